import BulwarkConfig
import BulwarkDemo
@testable import BulwarkGateway
import Testing

@Suite("Audit: reloads", .timeLimit(.minutes(1)))
struct AuditReloadTests {
    @Test("a reload that changes audit: keeps the running section and says it needs a restart")
    func auditIsRestartOnly() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "app") }
        let yaml = """
        upstreams:
          app: { targets: ["http://127.0.0.1:PORT0"] }
        routes:
          - { path_prefix: /, upstream: app }
        audit: { durability: sync }
        """
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway async throws in
            var next = gateway.gateway.configuration
            next.audit?.durability = .async
            next.audit?.actor = .responseHeader("X-Audit-Actor")
            next.server.maxBodyBytes = 10
            let outcome = gateway.gateway.reload(next)
            #expect(outcome.status == .applied)
            #expect(outcome.needsRestart == ["audit"])
            #expect(gateway.gateway.configuration.audit?.durability == .sync)
            #expect(gateway.gateway.configuration.audit?.actor == nil)
            #expect(gateway.gateway.configuration.server.maxBodyBytes == 10)

            var removed = gateway.gateway.configuration
            removed.audit = nil
            #expect(gateway.gateway.reload(removed).needsRestart == ["audit"])
            #expect(gateway.gateway.configuration.audit != nil)
        }
    }
}
