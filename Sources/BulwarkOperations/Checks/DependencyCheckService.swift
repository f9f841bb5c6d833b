import Logging
import Resilience
import ServiceLifecycle

/// Runs every dependency check of one kind (all `postgres` checks, all `http` checks…), each on its own
/// interval, and keeps their results in a ``DependencyResults`` store: a swift-service-lifecycle
/// `Service`, one per kind in the ServiceGroup, so a kind whose probes hang cannot delay the others.
///
/// A check runs at once when the service starts, then every `interval` after the previous one
/// finished. A probe that has not answered `timeout` after it started counts as failed (the runner
/// stops waiting a moment later even if the probe ignores its timeout). A failing or recovering check
/// is logged once per transition.
public struct DependencyCheckService: Service {
    /// The kind of every check it runs.
    public let kind: String
    let checks: [DependencyCheck]
    let results: DependencyResults
    let clock: PolicyClock
    let logger: Logger

    /// A service for `checks` (all of kind `kind`), recording into `results`, timed by `clock`.
    public init(kind: String, checks: [DependencyCheck], results: DependencyResults, clock: any Clock<Duration> = ContinuousClock(), logger: Logger) {
        self.init(kind: kind, checks: checks, results: results, clock: PolicyClock(clock), logger: logger)
    }

    /// A service sharing `clock` with its monitor.
    init(kind: String, checks: [DependencyCheck], results: DependencyResults, clock: PolicyClock, logger: Logger) {
        self.kind = kind
        self.checks = checks
        self.results = results
        self.clock = clock
        self.logger = logger
    }

    /// Checks until graceful shutdown or cancellation, then shuts the probes down.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for check in checks {
                    group.addTask {
                        while !Task.isCancelled {
                            await checkOnce(check)
                            try? await clock.sleep(for: check.interval)
                        }
                    }
                }
            }
        }
        for check in checks { await check.probe.shutdown() }
    }

    /// Runs `check` once and records the result.
    func checkOnce(_ check: DependencyCheck) async {
        let observation = await Self.run(check, clock: clock)
        let previous = results.record(observation)
        let metadata: Logger.Metadata = ["check": "\(check.name)", "kind": "\(check.kind)", "critical": "\(check.critical)"]
        if let error = observation.error, previous?.error == nil {
            logger.warning("dependency check failing", metadata: metadata.merging(["reason": "\(error)"]) { $1 })
        } else if observation.error == nil, previous?.error != nil {
            logger.notice("dependency check passing again", metadata: metadata)
        }
    }

    /// Probes `check` once, bounded by its timeout, and measures the round trip on `clock`.
    static func run(_ check: DependencyCheck, clock: PolicyClock) async -> Observation.DependencyObservation {
        let started = clock.now()
        let outcome = await Self.firstOf(
            { await check.probe.probe(timeout: check.timeout) },
            // The probe honours its timeout; this only stops waiting for one that does not.
            orAfter: check.timeout + .milliseconds(500), clock: clock,
            fallback: .failed("no answer within \(check.timeout.humanReadable)")
        )
        return check.observation(of: outcome, latency: clock.now() - started)
    }

    /// `work`'s result, or `fallback` once `limit` has passed on `clock`, whichever comes first; a
    /// `work` that ignores cancellation is left to finish on its own instead of being waited for.
    static func firstOf<T: Sendable>(_ work: @escaping @Sendable () async -> T, orAfter limit: Duration, clock: PolicyClock, fallback: T) async -> T {
        let race = FirstResult<T>()
        let worker = Task { race.finish(await work()) }
        let timer = Task {
            try? await clock.sleep(for: limit)
            race.finish(fallback)
        }
        let result = await race.value()
        worker.cancel()
        timer.cancel()
        return result
    }
}
