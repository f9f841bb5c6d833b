/// When each request of an open-model run is meant to be sent: stages of constant or linearly ramping
/// rate, laid end to end. Pure arithmetic on seconds from the start of the run.
///
/// The number of sends due by time `t` within a stage of length `D` ramping from `r0` to `r1` is
/// `N(t) = r0·t + (r1 − r0)·t² / (2D)`; send `k` (0-based, counted over the whole run) is due at the
/// `t` where the running total reaches `k`. So a stage of 10 s at 100/s holds exactly 1000 sends, and a ramp
/// `0..200` over 10 s holds 1000 as well, ever more densely.
public struct RateSchedule: Sendable, Equatable {
    /// One stretch of the schedule.
    public struct Stage: Sendable, Equatable {
        /// Length in seconds (> 0).
        public var duration: Double
        /// Rate at the start, requests per second (≥ 0).
        public var rateFrom: Double
        /// Rate at the end, requests per second (≥ 0).
        public var rateTo: Double

        /// Creates a stage.
        public init(duration: Double, rateFrom: Double, rateTo: Double) {
            self.duration = duration
            self.rateFrom = rateFrom
            self.rateTo = rateTo
        }

        /// Sends in the first `t` seconds of the stage.
        func sends(by t: Double) -> Double {
            rateFrom * t + (rateTo - rateFrom) * t * t / (2 * duration)
        }

        /// The time within the stage at which `count` sends are due (`count` ≤ `sends(by: duration)`).
        func time(ofCount count: Double) -> Double {
            let a = (rateTo - rateFrom) / (2 * duration)
            let b = rateFrom
            if abs(a) < 1e-12 { return b > 0 ? count / b : duration }
            let discriminant = max(0, b * b + 4 * a * count)
            let t = (-b + discriminant.squareRoot()) / (2 * a)
            return min(max(0, t), duration)
        }
    }

    /// The stages in order.
    public let stages: [Stage]
    /// Sends due before each stage begins, and in total (one more entry than `stages`).
    private let cumulativeSends: [Double]
    /// Start time of each stage, and the end of the schedule.
    private let stageStarts: [Double]

    /// Creates a schedule from stages.
    public init(stages: [Stage]) {
        self.stages = stages
        var sends: [Double] = [0]
        var starts: [Double] = [0]
        for stage in stages {
            sends.append(sends[sends.count - 1] + stage.sends(by: stage.duration))
            starts.append(starts[starts.count - 1] + stage.duration)
        }
        cumulativeSends = sends
        stageStarts = starts
    }

    /// The length of the whole schedule in seconds.
    public var duration: Double { stageStarts[stageStarts.count - 1] }

    /// How many sends the whole schedule holds (sends `0..<totalSends` are due).
    public var totalSends: Int { Int(cumulativeSends[cumulativeSends.count - 1].rounded(.up)) }

    /// When send `k` is due, in seconds from the start; nil when the schedule holds fewer sends.
    public func time(ofSend k: Int) -> Double? {
        let count = Double(k)
        guard k >= 0, count < cumulativeSends[cumulativeSends.count - 1] else { return nil }
        var index = 0
        while index + 1 < stages.count, cumulativeSends[index + 1] <= count { index += 1 }
        return stageStarts[index] + stages[index].time(ofCount: count - cumulativeSends[index])
    }

    /// The stage running at time `t` (the last stage for `t` at or past the end).
    public func stageIndex(at t: Double) -> Int {
        var index = 0
        while index + 1 < stages.count, stageStarts[index + 1] <= t { index += 1 }
        return index
    }

    /// When stage `index` begins, in seconds from the start.
    public func start(ofStage index: Int) -> Double { stageStarts[index] }

    /// The scheduled rate at time `t`, requests per second (0 outside the schedule).
    public func rate(at t: Double) -> Double {
        guard t >= 0, t < duration, !stages.isEmpty else { return 0 }
        let index = stageIndex(at: t)
        let stage = stages[index]
        let within = t - stageStarts[index]
        return stage.rateFrom + (stage.rateTo - stage.rateFrom) * within / stage.duration
    }

    /// Sends due in `[from, to)`.
    public func sends(from: Double, to: Double) -> Double {
        sends(by: to) - sends(by: from)
    }

    /// Sends due in `[0, t)`.
    func sends(by t: Double) -> Double {
        guard t > 0, !stages.isEmpty else { return 0 }
        if t >= duration { return cumulativeSends[cumulativeSends.count - 1] }
        let index = stageIndex(at: t)
        return cumulativeSends[index] + stages[index].sends(by: t - stageStarts[index])
    }
}
