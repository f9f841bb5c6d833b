import BulwarkConfig
import BulwarkDemo
import BulwarkGateway
import Foundation
import Logging
import Synchronization

/// Runs a real gateway in this process on a free loopback port, in front of real demo upstreams, and
/// stops everything afterwards.
struct GatewayHarness {
    let gateway: Gateway
    let port: Int

    /// Starts a gateway for `yaml` (the `PORTn` placeholders are replaced by the upstreams' ports),
    /// runs `body`, then cancels the gateway (which drains) and stops the upstreams.
    static func with<T>(
        yaml: String,
        upstreams: [DemoUpstream] = [],
        configure: (inout BulwarkConfiguration) -> Void = { _ in },
        instanceObserver: (any InstanceObserver)? = nil,
        cacheClock: any Clock<Duration> = ContinuousClock(),
        _ body: (GatewayHarness) async throws -> T
    ) async throws -> T {
        var text = yaml
        for (index, upstream) in upstreams.enumerated().reversed() {
            text = text.replacingOccurrences(of: "PORT\(index)", with: "\(upstream.port)")
        }
        var configuration = try BulwarkConfiguration.parse(yaml: text)
        configuration.server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.server.accessLog = .off
        configure(&configuration)
        var logger = Logger(label: "test.gateway")
        logger.logLevel = .critical
        let gateway = try Gateway(configuration: configuration, logger: logger, instanceObserver: instanceObserver, cacheClock: cacheClock)
        let task = Task { try await gateway.run() }
        let port = await gateway.listeningPort()
        do {
            let result = try await body(GatewayHarness(gateway: gateway, port: port))
            task.cancel()
            _ = await task.result
            for upstream in upstreams { await upstream.stop() }
            return result
        } catch {
            task.cancel()
            _ = await task.result
            for upstream in upstreams { await upstream.stop() }
            throw error
        }
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> RawResponse {
        try await RawHTTP.request("GET", path, port: port, headers: headers)
    }
}

/// Counts calls, safely from any thread.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    @discardableResult func next() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue + 1 }
    var count: Int { value.load(ordering: .relaxed) }
}

/// Keeps the last request an upstream saw.
final class LastRequest: Sendable {
    private let value = Mutex<DemoRequest?>(nil)
    func set(_ request: DemoRequest) { value.withLock { $0 = request } }
    var request: DemoRequest? { value.withLock { $0 } }
}

/// Polls `condition` every 20 ms for up to `limit`; a bounded wait for background work (health checks).
func eventually(within limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
