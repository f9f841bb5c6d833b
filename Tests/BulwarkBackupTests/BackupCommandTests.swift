import BulwarkDemo
import BulwarkTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `bulwark backup` command line contract (cron jobs rely on it), run as the built binary.
@Suite(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"), .timeLimit(.minutes(2)), .serialized)
struct BackupCommandTests {
    static var binary: String {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("bulwark").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return ".build/debug/bulwark"
    }

    /// Runs `bulwark` with `arguments`; returns status, stdout and stderr.
    static func bulwark(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-cli-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let null = open("/dev/null", O_RDONLY)
        defer { close(null) }
        let child = try BulwarkTestSupport.ChildProcess.spawn(binary, arguments, environment: ProcessInfo.processInfo.environment, stdin: null, stdout: out.fileDescriptor, stderr: err.fileDescriptor)
        let status = child.wait()
        try out.close()
        try err.close()
        return (status, (try? String(contentsOf: outURL, encoding: .utf8)) ?? "", (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    @Test func runListVerifyRestorePruneFromTheCommandLine() async throws {
        let inbox = Mutex<[String]>([])
        let receiver = try await DemoUpstream.start { request in
            inbox.withLock { $0.append(String(decoding: request.bodyPrefix, as: UTF8.self)) }
            return DemoReply(status: 200)
        }
        defer { Task { await receiver.stop() } }
        try await BackupHarness.with { harness async throws in
            let config = harness.directory.appendingPathExtension("yaml")
            defer { try? FileManager.default.removeItem(at: config) }
            // A file with only a backup: section is valid.
            try """
            backup:
              database_url: "\(harness.server.url(database: "app"))"
              directory: "\(harness.directory.path)"
              retention: { daily: 7, weekly: 4, monthly: 12, yearly: 5 }
              notify: { webhooks: ["http://127.0.0.1:\(receiver.port)/hook"] }
            """.write(to: config, atomically: true, encoding: .utf8)
            #expect(try Self.bulwark(["check", "--config", config.path]).status == 0)

            let run = try Self.bulwark(["backup", "run", "--config", config.path])
            #expect(run.status == 0, "\(run.errors)")
            let id = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.hasPrefix("app-"))
            #expect(inbox.withLock { $0 }.contains { $0.contains("\"event\" : \"backup.succeeded\"") && $0.contains("\"text\"") && $0.contains(id) })

            let list = try Self.bulwark(["backup", "list", "--json", "--config", config.path])
            #expect(list.status == 0)
            let entries = try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]]
            #expect(entries?.map { $0["id"] as? String } == [id])
            #expect((entries?.first?["sha256"] as? String)?.count == 64)
            #expect((entries?.first?["created_at"] as? String)?.hasSuffix("Z") == true)
            #expect((entries?.first?["size"] as? Int).map { $0 > 0 } == true)
            #expect(entries?.first?["size"] as? Int == entries?.first?["size_bytes"] as? Int)
            #expect(entries?.first?["verified"] as? Bool == false)
            #expect(entries?.first?["verified_state"] as? String == "unverified")
            #expect(try Self.bulwark(["backup", "list", "--config", config.path]).output.contains(id))

            let verify = try Self.bulwark(["backup", "verify", "--latest", "--config", config.path])
            #expect(verify.status == 0, "\(verify.output) \(verify.errors)")
            #expect(verify.output.contains("\(id): OK"))
            let verifiedList = try Self.bulwark(["backup", "list", "--json", "--config", config.path])
            let verifiedEntries = try JSONSerialization.jsonObject(with: Data(verifiedList.output.utf8)) as? [[String: Any]]
            #expect(verifiedEntries?.first?["verified"] as? Bool == true)
            #expect(verifiedEntries?.first?["verified_state"] as? String == "verified")
            #expect(try Self.bulwark(["backup", "verify", "--config", config.path]).status != 0)   // needs ID, --latest or --all
            #expect(try Self.bulwark(["backup", "verify", "nope", "--config", config.path]).status != 0)

            // Without a terminal and without --yes, restore refuses and says what to do.
            let unconfirmed = try Self.bulwark(["backup", "restore", id, "--target-url", harness.server.url(database: "copy"), "--config", config.path])
            #expect(unconfirmed.status != 0)
            #expect(unconfirmed.errors.contains("--yes"))
            let restore = try Self.bulwark(["backup", "restore", id, "--target-url", harness.server.url(database: "copy"), "--yes", "--config", config.path])
            #expect(restore.status == 0, "\(restore.errors)")
            #expect(try harness.contents(of: "copy") == harness.contents(of: "app"))
            let again = try Self.bulwark(["backup", "restore", id, "--target-url", harness.server.url(database: "copy"), "--yes", "--config", config.path])
            #expect(again.status != 0)
            #expect(again.errors.contains("--force"))

            let prune = try Self.bulwark(["backup", "prune", "--dry-run", "--config", config.path])
            #expect(prune.status == 0)
            #expect(prune.output.contains("keep   \(id)"))

            // A dead database: non-zero exit, a message, a failure notification, nothing catalogued.
            let dead = harness.directory.appendingPathExtension("dead.yaml")
            defer { try? FileManager.default.removeItem(at: dead) }
            try """
            backup:
              database_url: "postgres://postgres@127.0.0.1:\(try RedisServer.freePort())/app"
              directory: "\(harness.directory.path)"
              notify: { webhooks: ["http://127.0.0.1:\(receiver.port)/hook"] }
            """.write(to: dead, atomically: true, encoding: .utf8)
            let failed = try Self.bulwark(["backup", "run", "--config", dead.path])
            #expect(failed.status != 0)
            #expect(failed.errors.contains("backup failed"))
            #expect(inbox.withLock { $0 }.contains { $0.contains("backup.failed") })
            #expect(try harness.manager.catalogue.all().count == 1)
        }
    }

    @Test func retentionOverTwoYearsOfSyntheticBackups() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-retention-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // One manifest per day for 730 days ending 2026-11-23 (dates are data, no clock is read).
        let end = Date(timeIntervalSince1970: 1_795_392_000)   // 2026-11-23T00:00:00Z
        for day in 0..<730 {
            let date = end.addingTimeInterval(-Double(day) * 86_400 + 7_200)
            let id = "app-\(day)"
            let manifest: [String: Any] = [
                "id": id, "database": "app", "source": "postgres://x@h:5432/app", "server_version": "15", "pg_dump_version": "15",
                "format": "custom", "file": "\(id).dump", "started_at": ISO8601DateFormatter().string(from: date),
                "finished_at": ISO8601DateFormatter().string(from: date), "size_bytes": 1, "sha256": "00", "tables": [] as [Any], "locations": [] as [Any],
            ]
            try JSONSerialization.data(withJSONObject: manifest).write(to: directory.appendingPathComponent("\(id).json"))
            try Data("x".utf8).write(to: directory.appendingPathComponent("\(id).dump"))
        }
        let config = directory.appendingPathComponent("b.yaml")
        try "backup: { database_url: \"postgres://x@127.0.0.1:1/app\", directory: \"\(directory.path)\" }".write(to: config, atomically: true, encoding: .utf8)
        let dry = try Self.bulwark(["backup", "prune", "--dry-run", "--config", config.path])
        #expect(dry.status == 0, "\(dry.errors)")
        // 21, worked out independently with a small Python model of the same rules (the newest backup of each of
        // the 7 most recent days, 4 ISO weeks, 12 months and 5 years that have one; overlaps counted once).
        let kept = dry.output.split(separator: "\n").filter { $0.hasPrefix("keep") }
        #expect(kept.count == 21)
        #expect(dry.output.contains("keep   app-0  (daily 2026-11-23"))
        #expect(dry.output.contains("would delete  app-7"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).count == 730 * 2 + 1)
        let real = try Self.bulwark(["backup", "prune", "--config", config.path])
        #expect(real.status == 0)
        let remaining = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        #expect(remaining.count == kept.count)
        #expect(remaining.count <= 7 + 4 + 12 + 5)
        #expect(remaining.count >= 7 + 12)
        #expect(real.output.contains("\(kept.count) kept, \(730 - kept.count) deleted"))
    }
}
