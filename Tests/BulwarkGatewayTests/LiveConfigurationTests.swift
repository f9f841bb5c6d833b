import BulwarkConfig
import BulwarkDemo
@testable import BulwarkGateway
import Foundation
import Resilience
import Synchronization
import Testing

/// Reloads and membership changes against a running gateway with real upstreams: what changes applies
/// to new requests at once, requests in flight finish on what they started with, and an invalid
/// configuration changes nothing.
@Suite("Live configuration", .timeLimit(.minutes(1)))
struct LiveConfigurationTests {
    static func yaml(targets: [Int], extra: String = "") -> String {
        """
        upstreams:
          app:
            targets: [\(targets.map { "\"http://127.0.0.1:\($0)\"" }.joined(separator: ", "))]
        routes:
          - { path_prefix: /, upstream: app }
        \(extra)
        """
    }

    @Test("a valid reload under load moves traffic to the new target with no failed request; requests in flight finish on the old one")
    func reloadUnderLoad() async throws {
        let old = try await DemoUpstream.start { _ in DemoReply(body: "old", delay: .milliseconds(20)) }
        let new = try await DemoUpstream.start { _ in DemoReply(body: "new") }
        try await GatewayHarness.with(yaml: Self.yaml(targets: [old.port]), upstreams: [old]) { gateway in
            let failures = Failures()
            let stop = StopFlag()
            let port = gateway.port
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        while !stop.isSet {
                            do {
                                let response = try await RawHTTP.request("GET", "/load", port: port)
                                if response.status != 200 { failures.add("status \(response.status): \(response.body)") }
                            } catch {
                                failures.add("\(error)")
                            }
                        }
                    }
                }
                #expect(try await eventually { old.requestCount >= 8 })
                var next = try BulwarkConfiguration.parse(yaml: Self.yaml(targets: [new.port]))
                next.server.listen = gateway.gateway.configuration.server.listen
                next.server.accessLog = .off
                let outcome = gateway.gateway.reload(next)
                #expect(outcome.status == .applied)
                #expect(outcome.changes.contains("upstreams.app.targets: +1 -1"), "\(outcome.changes)")
                #expect(try await eventually { new.requestCount >= 8 })
                stop.set()
                try await group.waitForAll()
            }
            #expect(failures.all == [])
            let oldCount = old.requestCount
            for _ in 0..<5 { #expect(try await gateway.get("/after").body == "new") }
            #expect(old.requestCount == oldCount)
        }
        await new.stop()
    }

    @Test("an invalid file is rejected with every problem's key path, and the running configuration stays in force")
    func invalidReloadChangesNothing() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "app") }
        try await GatewayHarness.with(yaml: Self.yaml(targets: [app.port]), upstreams: [app]) { gateway in
            let path = NSTemporaryDirectory() + "bulwark-reload-\(UUID().uuidString).yaml"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try """
            upstreams:
              app:
                targets: ["http://127.0.0.1:\(app.port)"]
                retry: { attempts: 0 }
            routes:
              - { path_prefix: /, upstream: nowhere }
            """.write(toFile: path, atomically: true, encoding: .utf8)
            let before = gateway.gateway.configuration
            let outcome = ConfigurationFileReloader(gateway: gateway.gateway, path: path).reload()
            #expect(outcome.status == .rejected)
            let keys = outcome.problems.map(\.keyPath)
            #expect(keys.contains("upstreams.app.retry.attempts"), "\(keys)")
            #expect(keys.contains("routes[0].upstream"), "\(keys)")
            #expect(gateway.gateway.configuration == before)
            #expect(try await gateway.get("/still").body == "app")
        }
    }

    @Test("keys that cannot change live are reported as needing a restart and keep their running value")
    func restartOnlyKeys() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "app") }
        try await GatewayHarness.with(yaml: Self.yaml(targets: [app.port]), upstreams: [app]) { gateway in
            var next = gateway.gateway.configuration
            let listen = next.server.listen
            next.server.listen = ListenAddress(host: "127.0.0.1", port: 1)
            next.server.threads = 3
            next.server.maxBodyBytes = 10
            let outcome = gateway.gateway.reload(next)
            #expect(outcome.status == .applied)
            #expect(Set(outcome.needsRestart) == ["server.listen", "server.threads"])
            #expect(gateway.gateway.configuration.server.listen == listen)
            #expect(gateway.gateway.configuration.server.maxBodyBytes == 10)
            // The new body limit applies to the next request at once.
            let response = try await RawHTTP.request("POST", "/upload", port: gateway.port, body: String(repeating: "x", count: 64))
            #expect(response.status == 413)
        }
    }

    @Test("reloading the same configuration changes nothing and says so")
    func unchangedReload() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "app") }
        try await GatewayHarness.with(yaml: Self.yaml(targets: [app.port]), upstreams: [app]) { gateway in
            let clusters = gateway.gateway.upstreams.map(ObjectIdentifier.init)
            #expect(gateway.gateway.reload(gateway.gateway.configuration).status == .unchanged)
            #expect(gateway.gateway.upstreams.map(ObjectIdentifier.init) == clusters)
        }
    }

    @Test("new routes and changed policies apply to new requests; an upstream whose policies changed is rebuilt")
    func routesAndPolicies() async throws {
        let app = try await DemoUpstream.start { request in DemoReply(body: "app \(request.uri)") }
        let other = try await DemoUpstream.start { _ in DemoReply(body: "other") }
        try await GatewayHarness.with(yaml: Self.yaml(targets: [app.port]), upstreams: [app]) { gateway in
            let before = try #require(gateway.gateway.upstreams.first)
            var next = try BulwarkConfiguration.parse(yaml: """
            upstreams:
              app:
                targets: ["http://127.0.0.1:\(app.port)"]
                timeout: 7s
              other:
                targets: ["http://127.0.0.1:\(other.port)"]
            routes:
              - { name: other-api, path_prefix: /other, upstream: other }
              - { path_prefix: /, upstream: app }
            """)
            next.server.listen = gateway.gateway.configuration.server.listen
            next.server.accessLog = .off
            let outcome = gateway.gateway.reload(next)
            #expect(outcome.status == .applied)
            #expect(try await gateway.get("/other/x").body == "other")
            #expect(try await gateway.get("/x").body == "app /x")
            let after = try #require(gateway.gateway.upstreams.first { $0.name == "app" })
            #expect(after !== before)
            #expect(after.settings.timeout == .seconds(7))
            #expect(gateway.gateway.routes.map(\.label) == ["other-api", "/"])
            #expect(gateway.gateway.telemetry.routeStatistics().map(\.route) == ["other-api", "/", GatewayTelemetry.unmatchedRoute])
        }
        await other.stop()
    }

    @Test("a target removed while a request is in flight to it: that request finishes, new ones go elsewhere")
    func membershipKeepsInFlight() async throws {
        let slow = try await DemoUpstream.start { _ in DemoReply(body: "slow", delay: .milliseconds(500)) }
        let fast = try await DemoUpstream.start { _ in DemoReply(body: "fast") }
        try await GatewayHarness.with(yaml: Self.yaml(targets: [slow.port]), upstreams: [slow]) { gateway in
            let inFlight = Task { try await gateway.get("/in-flight") }
            #expect(try await eventually { slow.requestCount == 1 })
            let fastURL = try TargetURL.parse("http://127.0.0.1:\(fast.port)").get()
            let slowURL = try TargetURL.parse("http://127.0.0.1:\(slow.port)").get()
            #expect(try gateway.gateway.addTarget(fastURL, toUpstream: "app"))
            #expect(try gateway.gateway.removeTarget(slowURL, fromUpstream: "app"))
            #expect(try gateway.gateway.addTarget(fastURL, toUpstream: "app") == false)
            for _ in 0..<4 { #expect(try await gateway.get("/next").body == "fast") }
            let finished = try await inFlight.value
            #expect(finished.status == 200)
            #expect(finished.body == "slow")
            #expect(slow.requestCount == 1)
            let members = try #require(gateway.gateway.upstreams.first).targets.map(\.target)
            #expect(members == [fastURL])
            #expect(throws: ConfigurationError.self) { try gateway.gateway.addTarget(fastURL, toUpstream: "nope") }
        }
        await fast.stop()
    }

    @Test("a target kept by a reload keeps its state (same object); a new one starts fresh")
    func membershipThroughReloadKeepsState() async throws {
        let a = try await DemoUpstream.start { _ in DemoReply(body: "a") }
        let b = try await DemoUpstream.start { _ in DemoReply(body: "b") }
        try await GatewayHarness.with(yaml: Self.yaml(targets: [a.port]), upstreams: [a]) { gateway in
            let cluster = try #require(gateway.gateway.upstreams.first)
            let kept = try #require(cluster.targets.first)
            var next = try BulwarkConfiguration.parse(yaml: Self.yaml(targets: [a.port, b.port]))
            next.server.listen = gateway.gateway.configuration.server.listen
            next.server.accessLog = .off
            #expect(gateway.gateway.reload(next).status == .applied)
            #expect(gateway.gateway.upstreams.first === cluster)
            #expect(cluster.targets.count == 2)
            #expect(cluster.targets.first === kept)
            #expect(Set(cluster.targets.map(\.index)).count == 2, "each member has its own number")
        }
        await b.stop()
    }
}

/// Problems seen by concurrent load loops.
final class Failures: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ failure: String) { list.withLock { $0.append(failure) } }
    var all: [String] { list.withLock { $0 } }
}

/// Tells load loops to stop.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// Rate limits are policies like any other: a reload that raises or lowers one applies to the next request.
@Suite("Live configuration: rate limits", .timeLimit(.minutes(1)))
struct LiveRateLimitTests {
    static func yaml(port: Int, requests: Int) -> String {
        """
        upstreams:
          app:
            targets: ["http://127.0.0.1:\(port)"]
        rate_limits:
          tight: { requests: \(requests), per: 1m }
        routes:
          - { name: limited, path_prefix: /, upstream: app, rate_limits: [tight] }
        """
    }

    @Test("a raised limit lets the next request through; a lowered one counts afresh and then refuses")
    func changedLimitApplies() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: Self.yaml(port: app.port, requests: 2), upstreams: [app]) { gateway in
            #expect(try await gateway.get("/a").status == 200)
            #expect(try await gateway.get("/b").status == 200)
            #expect(try await gateway.get("/c").status == 429)
            var raised = try BulwarkConfiguration.parse(yaml: Self.yaml(port: app.port, requests: 100))
            raised.server.listen = gateway.gateway.configuration.server.listen
            raised.server.accessLog = .off
            #expect(gateway.gateway.reload(raised).status == .applied)
            #expect(try await gateway.get("/d").status == 200)
            var lowered = raised
            lowered.rateLimits["tight"]?.policy = try #require(BulwarkConfiguration.parse(yaml: Self.yaml(port: app.port, requests: 1)).rateLimits["tight"]?.policy)
            #expect(gateway.gateway.reload(lowered).status == .applied)
            // A changed policy counts afresh (the reload's documented rule): one more, then refused.
            #expect(try await gateway.get("/e").status == 200)
            #expect(try await gateway.get("/f").status == 429)
        }
    }
}
