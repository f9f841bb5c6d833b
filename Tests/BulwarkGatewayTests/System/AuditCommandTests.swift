import BulwarkAudit
import BulwarkTestSupport
import Foundation
import Logging
import Testing

/// `bulwark audit query|verify` (the real binary) on a journal written beforehand with `AuditJournal`,
/// and `bulwark serve` refusing to start on a journal it cannot open.
@Suite("bulwark audit", .timeLimit(.minutes(2)))
struct AuditCommandTests {
    /// A temporary directory with a configuration whose `audit.journal` is `journal/` inside it.
    struct Fixture {
        let directory: String
        var journal: String { directory + "/journal" }
        var config: String { directory + "/bulwark.yaml" }

        init(journalPath: String? = nil) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-audit-cli-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let yaml = """
                server: { listen: "127.0.0.1:0" }
                admin: { listen: "127.0.0.1:0" }
                upstreams:
                  app: { targets: ["http://127.0.0.1:9"] }
                audit:
                  journal: \(journalPath ?? directory + "/journal")
                """
            try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }

        /// Writes request events with `statuses` (paths `/orders/0`, `/orders/1`…, one second apart) and one
        /// action, then closes the journal.
        func writeJournal(statuses: [Int]) async throws {
            let journal = try AuditJournal(directory: journal, logger: Logger(label: "test.audit-cli"))
            let start = Date().addingTimeInterval(-600)
            for (index, status) in statuses.enumerated() {
                var entry = AuditEntry(kind: .request, id: AuditEventID(), time: start.addingTimeInterval(Double(index)))
                entry.method = "POST"
                entry.path = "/orders/\(index)"
                entry.route = "orders"
                entry.status = status
                entry.actor = "alice"
                _ = try await journal.record(entry)
            }
            _ = try await journal.record(.action("breaker.force_open", actor: "admin", subject: "app", time: start.addingTimeInterval(100)))
            journal.close()
        }

        /// The journal's segment files.
        func segments() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: journal).filter { $0.hasPrefix("segment") }.sorted()
        }
    }

    /// Runs `bulwark` with `arguments` to its end: status, stdout, stderr.
    static func bulwark(_ arguments: [String]) async throws -> (status: Int32, output: String, error: String) {
        let runner = try BinaryRunner(arguments)
        let status = try await runner.waitForExit(within: .seconds(60))
        return (status, runner.standardOutput, runner.standardError)
    }

    @Test("verify exits 0 on an intact journal, and 1 naming the segment and offset once a byte of a record is flipped")
    func verifyFindsAFlippedByte() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try await fixture.writeJournal(statuses: [201, 500, 204])
        let intact = try await Self.bulwark(["audit", "verify", "--config", fixture.config])
        #expect(intact.status == 0, "\(intact.output)\(intact.error)")
        #expect(intact.output.contains("checked 4 records"), "\(intact.output)")
        #expect(intact.output.contains("intact"))

        let segment = try #require(try fixture.segments().first)
        let path = fixture.journal + "/" + segment
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let marker = Array("/orders/1".utf8)
        let at = try #require((0...(bytes.count - marker.count)).first { Array(bytes[$0..<($0 + marker.count)]) == marker })
        bytes[at + 1] ^= 0x01   // "/orders/1" becomes "/nrders/1" in record 2
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let broken = try await Self.bulwark(["audit", "verify", "--config", fixture.config])
        #expect(broken.status == 1, "\(broken.output)\(broken.error)")
        #expect(broken.output.contains("problem at \(segment) offset "), "\(broken.output)")
        #expect(broken.output.contains("NOT intact"))

        let json = try await Self.bulwark(["audit", "verify", "--config", fixture.config, "--json"])
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["intact"] as? Bool == false)
        let problem = try #require((object["problems"] as? [[String: Any]])?.first)
        #expect(problem["segment"] as? String == segment)
        let offset = try #require(problem["offset"] as? Int)
        #expect(offset > 0 && offset < at, "the problem's record starts before the flipped byte")
    }

    @Test("query --json --status 2xx prints the matching events, one JSON object per line, newest first")
    func queryPrintsMatchingEvents() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try await fixture.writeJournal(statuses: [201, 500, 204, 302])
        let result = try await Self.bulwark(["audit", "query", "--config", fixture.config, "--json", "--status", "2xx"])
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        let events = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(events.compactMap { $0["path"] as? String } == ["/orders/2", "/orders/0"])
        #expect(events.compactMap { $0["status"] as? Int } == [204, 201])
        let allAliceRequests = events.allSatisfy { $0["actor"] as? String == "alice" && $0["kind"] as? String == "request" }
        #expect(allAliceRequests)

        let table = try await Self.bulwark(["audit", "query", "--config", fixture.config, "--kind", "action"])
        #expect(table.status == 0)
        #expect(table.output.contains("breaker.force_open"), "\(table.output)")
        #expect(!table.output.contains("/orders/"))
    }

    @Test("a bad filter, or a configuration without audit:, exits 2 saying which")
    func usageErrors() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let badStatus = try await Self.bulwark(["audit", "query", "--config", fixture.config, "--status", "abc"])
        #expect(badStatus.status == 2)
        #expect(badStatus.error.contains("--status"), "\(badStatus.error)")
        let badFrom = try await Self.bulwark(["audit", "verify", "--config", fixture.config, "--from", "x"])
        #expect(badFrom.status == 2)
        #expect(badFrom.error.contains("--from"))
        let plain = fixture.directory + "/plain.yaml"
        try "upstreams:\n  app: { targets: [\"http://127.0.0.1:9\"] }\n".write(toFile: plain, atomically: true, encoding: .utf8)
        let unconfigured = try await Self.bulwark(["audit", "verify", "--config", plain])
        #expect(unconfigured.status == 2)
        #expect(unconfigured.error.contains("audit: is not configured"))
    }

    @Test("serve refuses to start when audit.journal cannot be opened, naming the key")
    func serveFailsOnAJournalItCannotOpen() async throws {
        let blocker = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-audit-file-\(UUID().uuidString)").path
        try "not a directory".write(toFile: blocker, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: blocker) }
        let fixture = try Fixture(journalPath: blocker + "/journal")
        defer { fixture.remove() }
        let result = try await Self.bulwark(["serve", "--config", fixture.config])
        #expect(result.status == 1)
        #expect(result.error.contains("audit.journal"), "\(result.error)")
    }
}
