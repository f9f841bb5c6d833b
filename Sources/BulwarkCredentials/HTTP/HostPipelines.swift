import Foundation
import Resilience
import Synchronization

/// The pipelines of an ``AuthorizedHTTPClient``: one per host built from a preset (so each host has its
/// own breaker), or one given pipeline for all.
final class HostPipelines: Sendable {
    /// A host's two pipelines, sharing one breaker: with retry for bodies that can be sent again, without for the others.
    struct Pair: Sendable {
        let replayable: ResiliencePipeline
        let single: ResiliencePipeline
    }

    private let preset: ResiliencePreset?
    private let clock: any Clock<Duration>
    private let fixed: ResiliencePipeline?
    private let byHost = Mutex<[String: Pair]>([:])

    init(preset: ResiliencePreset?, clock: any Clock<Duration>) {
        self.preset = preset
        self.clock = clock
        self.fixed = nil
    }

    init(fixed: ResiliencePipeline) {
        self.preset = nil
        self.clock = ContinuousClock()
        self.fixed = fixed
    }

    /// The pipeline for a request to `url`; `nil` to send it unguarded.
    func pipeline(forURL url: String, replayable: Bool) -> ResiliencePipeline? {
        if let fixed { return replayable ? fixed : nil }
        guard let preset else { return nil }
        let host = Self.hostKey(url)
        if let pair = byHost.withLock({ $0[host] }) { return replayable ? pair.replayable : pair.single }
        let pair = byHost.withLock { pipelines in
            if let existing = pipelines[host] { return existing }
            let made = Self.make(preset, host: host, clock: clock)
            pipelines[host] = made
            return made
        }
        return replayable ? pair.replayable : pair.single
    }

    /// `host:port` of `url` (the port only when given), or the URL itself when it cannot be read.
    static func hostKey(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        return components.port.map { "\(host):\($0)" } ?? host
    }

    private static func make(_ preset: ResiliencePreset, host: String, clock: any Clock<Duration>) -> Pair {
        var retry = preset.retry
        retry.name = "\(retry.name):\(host)"
        var breaker = preset.circuitBreaker
        breaker.name = "\(breaker.name):\(host)"
        // The configuration was validated when the client was made, so these cannot throw.
        guard let retryPolicy = try? Retry(retry, clock: clock),
              let breakerPolicy = try? CircuitBreaker(breaker, clock: clock),
              let timeout = try? Timeout(preset.callTimeout, name: breaker.name, clock: clock)
        else { preconditionFailure("a validated preset was rejected") }
        return Pair(
            replayable: ResiliencePipeline(retryPolicy, breakerPolicy, timeout),
            single: ResiliencePipeline(breakerPolicy, timeout)
        )
    }
}
