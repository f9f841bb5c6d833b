import BulwarkDemo
import BulwarkTestSupport
import Foundation
import Testing

@Suite("The bulwark binary", .timeLimit(.minutes(1)))
struct BinaryTests {
    static func writeConfig(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "bulwark-test-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("check: a valid file exits 0")
    func checkValid() async throws {
        let path = try Self.writeConfig("upstreams:\n  app:\n    targets: [\"http://127.0.0.1:3001\"]\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try BinaryRunner(["check", "--config", path])
        #expect(try await run.waitForExit() == 0)
        #expect(run.standardOutput.contains("ok"))
    }

    @Test("check: every problem is printed with its key path and the exit status is 1")
    func checkInvalid() async throws {
        let path = try Self.writeConfig("""
        upstreams:
          app:
            targtes: ["http://127.0.0.1:3001"]
        routes:
          - path_prefix: /
            upstream: app
          - path_prefix: /x
            upstream: ap
        """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try BinaryRunner(["check", "--config", path])
        let status = try await run.waitForExit()
        let errors = run.standardError
        #expect(status == 1)
        #expect(errors.contains("upstreams.app.targtes: unknown key"))
        #expect(errors.contains("routes[1].upstream: no upstream named 'ap'"))
    }

    @Test("version prints the version")
    func version() async throws {
        let run = try BinaryRunner(["version"])
        #expect(try await run.waitForExit() == 0)
        #expect(run.standardOutput.hasPrefix("bulwark "))
    }

    @Test("SIGTERM during a slow request: readiness turns 503, the request finishes, new connections are refused, exit 0")
    func gracefulShutdown() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "finished", delay: .seconds(3)) }
        defer { Task { await app.stop() } }
        let path = try Self.writeConfig("""
        server:
          listen: "127.0.0.1:0"
          drain_timeout: 10s
          access_log: "off"
        admin:
          listen: "127.0.0.1:0"
        upstreams:
          app:
            targets: ["http://127.0.0.1:\(app.port)"]
        """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try BinaryRunner(["serve", "--config", path])
        defer { run.forceKill() }
        var banner = try await run.readError(until: "bulwark listening")
        if !banner.contains("admin listening") { banner += try await run.readError(until: "admin listening") }
        let port = try #require(BinaryRunner.port(in: banner))
        let adminPort = try #require(banner.split(separator: "admin_listen=127.0.0.1:").last.flatMap { Int($0.prefix { $0.isNumber }) })
        #expect(try await RawHTTP.request("GET", "/health/ready", port: adminPort).status == 200)
        let slow = Task { try await RawHTTP.request("GET", "/slow", port: port) }
        // SIGTERM only once the request is in flight at the upstream (a bounded wait).
        #expect(try await eventually { app.requestCount == 1 })
        run.terminate()
        #expect(try await eventually(within: .seconds(2)) {
            (try? await RawHTTP.request("GET", "/health/ready", port: adminPort, timeout: .seconds(1)).status) == 503
        })
        let response = try await slow.value
        #expect(response.status == 200)
        #expect(response.body == "finished")
        #expect(try await run.waitForExit() == 0)
        await #expect(throws: (any Error).self) { try await RawHTTP.request("GET", "/late", port: port, timeout: .seconds(2)) }
    }

    @Test("serve --upstream runs without a file")
    func serveWithoutFile() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "from app") }
        defer { Task { await app.stop() } }
        let run = try BinaryRunner(["serve", "--upstream", "http://127.0.0.1:\(app.port)", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        defer { run.forceKill() }
        let banner = try await run.readError(until: "bulwark listening")
        let port = try #require(BinaryRunner.port(in: banner))
        let response = try await RawHTTP.request("GET", "/", port: port)
        #expect(response.body == "from app")
        run.terminate()
        #expect(try await run.waitForExit() == 0)
    }
}
