import BulwarkConfig
import Resilience
import Testing

@Suite struct AlertSettingsTests {
    @Test func defaultsAndOverrides() throws {
        let defaults = try BulwarkConfiguration.parse(yaml: "upstreams: { app: { targets: [\"http://127.0.0.1:1\"] } }").alerts
        #expect(defaults.interval == .seconds(2))
        #expect(defaults.memory.warning == 400_000_000 && defaults.memory.error == 480_000_000)
        #expect(defaults.dependencyLatency.warning == .seconds(1) && defaults.dependencyLatency.error == .seconds(2))
        #expect(defaults.errorRate.warning == 0.05)
        let custom = try BulwarkConfiguration.parse(yaml: """
            alerts:
              interval: 500ms
              webhooks: ["https://hooks.example.com/T0/B0/x", "http://127.0.0.1:9000/alerts"]
              memory: { warning: 100MB, error: 200MB }
              error_rate: { warning: 10%, min_requests: 50, window: 5m }
              target_unavailable: false
              no_healthy_target: { enabled: false }
            """).alerts
        #expect(custom.interval == .milliseconds(500))
        #expect(custom.webhooks.count == 2)
        #expect(custom.memory.warning == 100_000_000)
        #expect(custom.errorRate.warning == 0.1 && custom.errorRate.minimumRequests == 50 && custom.errorRate.window == .seconds(300))
        #expect(!custom.targetUnavailable && !custom.noHealthyTarget)
    }

    @Test func mistakesNameTheirKeyPath() {
        #expect(throws: ConfigurationError.self) { try BulwarkConfiguration.parse(yaml: "alerts: { webhoks: [] }") }
        do {
            _ = try BulwarkConfiguration.parse(yaml: """
                alerts:
                  webhoks: []
                  webhooks: ["ftp://x", "http://"]
                  error_rate: { warning: 150% }
                  memory: { warning: 2GB, error: 1GB }
                """)
            Issue.record("expected errors")
        } catch {
            let text = error.issues.map { "\($0.keyPath): \($0.problem)" }.joined(separator: "\n")
            #expect(text.contains("alerts.webhoks: unknown key (did you mean 'webhooks'?)"))
            #expect(text.contains("alerts.webhooks[0]: expected an http:// or https:// URL"))
            #expect(text.contains("alerts.webhooks[1]"))
            #expect(text.contains("alerts.error_rate.warning"))
            #expect(text.contains("alerts.memory.error: must not be below alerts.memory.warning"))
        }
    }
}
