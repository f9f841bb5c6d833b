import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

/// Samples a Bulwark admin API once a second while load runs (`watch:` in a plan): the gateway's RSS
/// and CPU time from `/api/system`, and its circuit breakers from `/api/circuits`, so the report can
/// draw them on the load's time axis. A failed sample is kept as a gap; it never stops the run.
public struct AdminWatcher: Sendable {
    /// The admin API's base URL (`http://127.0.0.1:9090`).
    public let baseURL: String
    /// The bearer token, if the admin API needs one.
    public let token: String?
    /// Time between samples.
    public let interval: Duration

    /// Creates a watcher.
    public init(baseURL: String, token: String?, interval: Duration = .seconds(1)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.interval = interval
    }

    /// A sample with the wall-clock time it was taken; ``WatchSample/second`` is filled in later.
    public struct TimedSample: Sendable {
        /// When the sample was taken.
        public var takenAt: Date
        /// The sample (its `second` is 0 until ``placed(_:startedAt:)``).
        public var sample: WatchSample
    }

    /// Samples until the task is cancelled and returns what it saw.
    public func watch() async -> [TimedSample] {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .seconds(1), read: .seconds(1))))
        var samples: [TimedSample] = []
        while !Task.isCancelled {
            let takenAt = Date()
            samples.append(TimedSample(takenAt: takenAt, sample: await sample(with: client)))
            try? await Task.sleep(for: interval)
        }
        try? await client.shutdown()
        return samples
    }

    /// Places samples on the run's time axis (seconds since `startedAt`), dropping those taken before it.
    public static func placed(_ samples: [TimedSample], startedAt: Date) -> [WatchSample] {
        samples.compactMap { timed in
            let second = timed.takenAt.timeIntervalSince(startedAt)
            guard second >= 0 else { return nil }
            var sample = timed.sample
            sample.second = second
            return sample
        }
    }

    private struct System: Decodable {
        var rss_bytes: Int
        var cpu_seconds: Double
    }

    private struct Circuits: Decodable {
        struct Circuit: Decodable {
            var name: String
            var state: String
        }
        var circuits: [Circuit]
    }

    private func sample(with client: HTTPClient) async -> WatchSample {
        let system: System? = await fetch("/api/system", with: client)
        let circuits: Circuits? = await fetch("/api/circuits", with: client)
        var breakers: [String: String] = [:]
        for circuit in circuits?.circuits ?? [] { breakers[circuit.name] = circuit.state }
        return WatchSample(second: 0, rssBytes: system?.rss_bytes, cpuSeconds: system?.cpu_seconds, breakers: breakers)
    }

    private func fetch<Body: Decodable>(_ path: String, with client: HTTPClient) async -> Body? {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers.add(name: "X-Bulwark-Admin", value: "1")  // as the CLI's own admin calls do
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        do {
            let response = try await client.execute(request, timeout: .seconds(2))
            guard response.status == .ok else { return nil }
            let body = try await response.body.collect(upTo: 4 << 20)
            return try JSONDecoder().decode(Body.self, from: Data(buffer: body))
        } catch {
            return nil
        }
    }
}
