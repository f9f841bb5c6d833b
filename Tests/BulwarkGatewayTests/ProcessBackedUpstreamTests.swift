import BulwarkConfig
import BulwarkDemo
import BulwarkGateway
import Testing

/// An upstream whose targets come from `processes:`: it starts with none (503), serves once the
/// supervisor adds an instance, and keeps its live members across reloads, even when its policies change.
@Suite("Process-backed upstream", .timeLimit(.minutes(1)))
struct ProcessBackedUpstreamTests {
    /// `processes.app` (never started here: the test plays the supervisor) and its upstream's policies.
    static func yaml(attempts: Int = 2, routeTimeout: String = "10s") -> String {
        """
        processes:
          app: { command: [./app], port_base: 41000 }
        upstreams:
          app: { retry: { attempts: \(attempts) } }
        routes:
          - { path_prefix: /, upstream: app, timeout: \(routeTimeout) }
        """
    }

    static func target(_ upstream: DemoUpstream) throws -> TargetURL {
        try TargetURL.parse("http://127.0.0.1:\(upstream.port)").get()
    }

    /// `yaml` parsed with the running gateway's listener and access log, so only what `yaml` says changes.
    static func reloaded(_ yaml: String, on harness: GatewayHarness) throws -> BulwarkConfiguration {
        var next = try BulwarkConfiguration.parse(yaml: yaml)
        next.server.listen = harness.gateway.configuration.server.listen
        next.server.accessLog = .off
        return next
    }

    @Test("it starts with no target and answers 503; an added instance serves; once removed, 503 again")
    func startsEmpty() async throws {
        let instance = try await DemoUpstream.start { _ in DemoReply(body: "instance") }
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: [instance]) { harness in
            let cluster = try #require(harness.gateway.upstreams.first { $0.name == "app" })
            #expect(cluster.settings.targetsFromProcesses)
            #expect(cluster.targets.isEmpty)
            #expect(try await harness.get("/").status == 503)

            let target = try Self.target(instance)
            #expect(try harness.gateway.addTarget(target, toUpstream: "app"))
            let served = try await harness.get("/")
            #expect(served.status == 200)
            #expect(served.body == "instance")

            #expect(try harness.gateway.removeTarget(target, fromUpstream: "app"))
            #expect(try await harness.get("/").status == 503)
            #expect(instance.requestCount == 1)
        }
    }

    @Test("a reload keeps the live members: the same upstream when its policies are unchanged, a rebuilt one when they change")
    func reloadKeepsMembers() async throws {
        let instance = try await DemoUpstream.start { _ in DemoReply(body: "instance") }
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: [instance]) { harness in
            let target = try Self.target(instance)
            try harness.gateway.addTarget(target, toUpstream: "app")
            let before = try #require(harness.gateway.upstreams.first)

            // Only a route changes: the upstream is kept, and the file's (absent) targets do not empty it.
            #expect(harness.gateway.reload(try Self.reloaded(Self.yaml(routeTimeout: "20s"), on: harness)).status == .applied)
            #expect(harness.gateway.upstreams.first === before)
            #expect(before.targets.map(\.target) == [target])
            #expect(try await harness.get("/").status == 200)

            // Its retry policy changes: it is rebuilt with the new policy and the same members.
            #expect(harness.gateway.reload(try Self.reloaded(Self.yaml(attempts: 3, routeTimeout: "20s"), on: harness)).status == .applied)
            let rebuilt = try #require(harness.gateway.upstreams.first)
            #expect(rebuilt !== before)
            #expect(rebuilt.settings.retry.attempts == 3)
            #expect(rebuilt.targets.map(\.target) == [target])
            let served = try await harness.get("/")
            #expect(served.status == 200)
            #expect(served.body == "instance")

            // The supervisor still manages the rebuilt upstream's members.
            #expect(try harness.gateway.removeTarget(target, fromUpstream: "app"))
            #expect(try await harness.get("/").status == 503)
        }
    }
}
