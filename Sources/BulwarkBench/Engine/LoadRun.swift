import Foundation
import Histogram
import NIOCore
import NIOPosix
import Resilience

/// Runs load as ``LoadSettings`` say, on its own event loops (one per core by default), and reports
/// what happened. The run is bounded: it ends at the model's duration, plus at most the request timeout
/// for answers still outstanding.
public enum LoadRun {
    /// Runs the load and returns the report (without thresholds, watch samples or findings, which the
    /// caller adds).
    /// - Parameters:
    ///   - settings: what to run.
    ///   - progressInterval: how often `onProgress` is called, and finished seconds are sealed, while load runs.
    ///   - onProgress: called with live figures; nil for none.
    public static func run(
        _ settings: LoadSettings, progressInterval: Duration = .seconds(1),
        onProgress: (@Sendable (LoadProgress) -> Void)? = nil
    ) async throws -> BenchReport {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: settings.eventLoops)
        do {
            let report = try await run(settings, on: group, progressInterval: progressInterval, onProgress: onProgress)
            try await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func run(
        _ settings: LoadSettings, on group: MultiThreadedEventLoopGroup, progressInterval: Duration,
        onProgress: (@Sendable (LoadProgress) -> Void)?
    ) async throws -> BenchReport {
        let loops = Array(group.makeIterator())
        var drivers: [(loop: any EventLoop, bound: NIOLoopBound<LoopDriver>)] = []
        for (index, loop) in loops.enumerated() {
            let share = settings.connections / loops.count + (index < settings.connections % loops.count ? 1 : 0)
            let maximumShare = settings.maximumConnections / loops.count + (index < settings.maximumConnections % loops.count ? 1 : 0)
            let plan = LoopDriver.Plan(
                target: settings.target, model: settings.model, initialConnections: share,
                maximumConnections: max(share, maximumShare),
                timeoutNanoseconds: UInt64(max(0, settings.timeout.nanoseconds)),
                loopIndex: index, loopCount: loops.count
            )
            let requests = settings.requests
            drivers.append((loop, try await loop.submit { NIOLoopBound(LoopDriver(loop: loop, plan: plan, requests: requests), eventLoop: loop) }.get()))
        }
        for driver in drivers {
            try await driver.loop.flatSubmit { driver.bound.value.connect() }.get()
        }
        let duration = settings.model.duration
        let loopDrivers = drivers
        let start = NIODeadline.now().uptimeNanoseconds + 20_000_000
        let end = start + UInt64(duration * 1e9)
        let startedAt = Date().addingTimeInterval(0.02)
        let builder = ReportBuilder(settings: settings, startedAt: startedAt)
        enum Finished: Sendable {
            case tallies([RunTally])
            case timeline([Int: TimelinePoint])
        }
        var tallies: [RunTally] = []
        var sealed: [Int: TimelinePoint] = [:]
        try await withThrowingTaskGroup(of: Finished.self) { tasks in
            tasks.addTask {
                let runs = loopDrivers.map { driver in driver.loop.flatSubmit { driver.bound.value.run(start: start, end: end) } }
                var tallies: [RunTally] = []
                for run in runs { tallies.append(try await run.get()) }
                return .tallies(tallies)
            }
            // Once a second: seal the seconds every loop has finished (merged, summarised, histograms
            // dropped, so memory stays flat however long the run), and report progress.
            tasks.addTask {
                var points: [Int: TimelinePoint] = [:]
                var last = (responses: 0, at: start)
                while true {
                    do { try await Task.sleep(for: progressInterval) } catch { break }
                    let now = NIODeadline.now().uptimeNanoseconds
                    let elapsed = now > start ? Double(now - start) / 1e9 : 0
                    let cut = Int(elapsed) - 1
                    var seconds: [Int: SecondTally] = [:]
                    var shares: [LoadProgress.LoopShare] = []
                    for driver in loopDrivers {
                        let (taken, share) = try await driver.loop.submit {
                            (driver.bound.value.takeSeconds(before: cut).map { SealedSecond(second: $0.second, tally: $0.tally) }, driver.bound.value.progress())
                        }.get()
                        for sealed in taken { seconds[sealed.second, default: SecondTally()].merge(sealed.tally) }
                        shares.append(share)
                    }
                    for (second, tally) in seconds { points[second] = builder.point(second: second, tally: tally) }
                    guard let onProgress else { continue }
                    let responses = shares.reduce(0) { $0 + $1.responses }
                    let interval = Double(now &- last.at) / 1e9
                    onProgress(LoadProgress(
                        elapsed: min(elapsed, duration), remaining: max(0, duration - elapsed), responses: responses,
                        errors: shares.reduce(0) { $0 + $1.errors },
                        rate: interval > 0 ? Double(responses - last.responses) / interval : 0,
                        recentP99Milliseconds: Double(shares.map(\.recentP99Microseconds).max() ?? 0) / 1000,
                        waiting: shares.reduce(0) { $0 + $1.pending }
                    ))
                    last = (responses, now)
                }
                return .timeline(points)
            }
            while let finished = try await tasks.next() {
                switch finished {
                case .tallies(let all):
                    tallies = all
                    tasks.cancelAll()
                case .timeline(let points):
                    sealed = points
                }
            }
        }
        var merged = RunTally(stageCount: settings.model.stageCount)
        for tally in tallies { merged.merge(tally) }
        return builder.report(from: merged, sealedSeconds: sealed)
    }
}

/// A second's tally on its way from a loop to the run (a tuple is not `Sendable`-checked as nicely).
private struct SealedSecond: Sendable {
    var second: Int
    var tally: SecondTally
}
