import BulwarkDemo
import BulwarkTestSupport
import Foundation
import Testing

/// `bulwark serve` reloads its file on SIGHUP and on `POST /api/config/reload`.
@Suite("Reloading the bulwark binary", .timeLimit(.minutes(1)))
struct ReloadBinaryTests {
    static func config(target: Int, extra: String = "") -> String {
        """
        server:
          listen: "127.0.0.1:0"
          access_log: "off"
        admin:
          listen: "127.0.0.1:0"
        upstreams:
          app:
            targets: ["http://127.0.0.1:\(target)"]
        \(extra)
        """
    }

    struct Running {
        let run: BinaryRunner
        let port: Int
        let adminPort: Int
    }

    static func start(path: String) async throws -> Running {
        let run = try BinaryRunner(["serve", "--config", path])
        var banner = try await run.readError(until: "bulwark listening")
        if !banner.contains("admin listening") { banner += try await run.readError(until: "admin listening") }
        let port = try #require(BinaryRunner.port(in: banner))
        let adminPort = try #require(banner.split(separator: "admin_listen=127.0.0.1:").last.flatMap { Int($0.prefix { $0.isNumber }) })
        return Running(run: run, port: port, adminPort: adminPort)
    }

    static func configHash(adminPort: Int) async throws -> String {
        let system = try await RawHTTP.request("GET", "/api/system", port: adminPort)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(system.body.utf8)) as? [String: Any])
        return try #require(body["config_hash"] as? String)
    }

    /// Two apps answering "first" and "second", and `bulwark serve` on a file pointing at the first.
    static func withTwoApps(_ body: (Running, String, DemoUpstream, DemoUpstream) async throws -> Void) async throws {
        let first = try await DemoUpstream.start { _ in DemoReply(body: "first") }
        let second = try await DemoUpstream.start { _ in DemoReply(body: "second") }
        defer { Task { await first.stop(); await second.stop() } }
        let path = try BinaryTests.writeConfig(Self.config(target: first.port))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await Self.start(path: path)
        defer { server.run.forceKill() }
        try await body(server, path, first, second)
    }

    @Test("SIGHUP applies a valid file to new requests, and logs every problem of an invalid one with its key path without changing anything")
    func sighup() async throws {
        try await Self.withTwoApps { server, path, first, second in
            #expect(try await RawHTTP.request("GET", "/", port: server.port).body == "first")

            try Self.config(target: second.port).write(toFile: path, atomically: true, encoding: .utf8)
            kill(server.run.process.processIdentifier, SIGHUP)
            _ = try await server.run.readError(until: "configuration reloaded")
            #expect(try await RawHTTP.request("GET", "/", port: server.port).body == "second")

            try Self.config(target: first.port, extra: """
                retry: { attempts: 0 }
            server_typo: 1
            """).write(toFile: path, atomically: true, encoding: .utf8)
            kill(server.run.process.processIdentifier, SIGHUP)
            // Every problem is logged, each on its own line; the order of the two is the reader's.
            var log = try await server.run.readError(until: "configuration reload rejected")
            for marker in ["server_typo", "upstreams.app.retry.attempts"] where !log.contains(marker) {
                log += try await server.run.readError(until: marker)
        }
        #expect(log.contains("server_typo"))
        #expect(log.contains("upstreams.app.retry.attempts"))
        #expect(try await RawHTTP.request("GET", "/", port: server.port).body == "second")
        #expect(server.run.process.isRunning)
        server.run.terminate()
        #expect(try await server.run.waitForExit() == 0)
        }
    }

    @Test("POST /api/config/reload answers the outcome as JSON: 200 applied, 422 rejected with key paths, needs_restart listed")
    func adminReload() async throws {
        try await Self.withTwoApps { server, path, first, second in

            #expect(try await RawHTTP.request("GET", "/api/config/reload", port: server.adminPort).status == 405)
            let hashBefore = try await Self.configHash(adminPort: server.adminPort)
            try Self.config(target: second.port).replacingOccurrences(of: "access_log: \"off\"", with: "access_log: stdout")
                .write(toFile: path, atomically: true, encoding: .utf8)
            let applied = try await RawHTTP.request("POST", "/api/config/reload", port: server.adminPort, headers: [("X-Bulwark-Admin", "1")])
            #expect(applied.status == 200)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(applied.body.utf8)) as? [String: Any])
            #expect(body["status"] as? String == "applied")
            #expect(body["needs_restart"] as? [String] == ["server.access_log"])
            let hashAfter = try await Self.configHash(adminPort: server.adminPort)
            #expect(hashAfter != hashBefore, "/api/system shows the hash of the file in force")
            #expect(try await RawHTTP.request("GET", "/", port: server.port).body == "second")

            try "routes:\n  - { path_prefix: /, upstream: missing }\n".write(toFile: path, atomically: true, encoding: .utf8)
            let rejected = try await RawHTTP.request("POST", "/api/config/reload", port: server.adminPort, headers: [("X-Bulwark-Admin", "1")])
            #expect(rejected.status == 422)
            let problems = try #require(try JSONSerialization.jsonObject(with: Data(rejected.body.utf8)) as? [String: Any])
            #expect(problems["status"] as? String == "rejected")
            let keys = (problems["problems"] as? [[String: Any]] ?? []).compactMap { $0["key_path"] as? String }
            #expect(keys.contains("routes[0].upstream"), "\(rejected.body)")
            #expect(try await RawHTTP.request("GET", "/", port: server.port).body == "second")
            server.run.terminate()
            #expect(try await server.run.waitForExit() == 0)
        }
    }
}
