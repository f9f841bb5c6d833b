import BulwarkAudit
import BulwarkDemo
import Crypto
import Foundation
import Logging
import Testing

/// A real gateway auditing into a real ``AuditJournal`` in a temporary directory.
@Suite("Audit: the gateway on a real journal", .timeLimit(.minutes(2)))
struct AuditJournalGatewayLiveTests {
    static func yaml(_ audit: String) -> String {
        """
        upstreams:
          app: { targets: ["http://127.0.0.1:PORT0"], retry: { attempts: 1 } }
        routes:
          - { name: orders, path_prefix: /orders, upstream: app }
        audit: \(audit)
        """
    }

    static func withJournal(_ body: (AuditJournal, String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-audit-gw-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "test.audit.journal")
        logger.logLevel = .critical
        let journal = try AuditJournal(directory: directory, logger: logger)
        try await body(journal, directory)
        journal.close()
    }

    static func records(in directory: String) throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        try AuditJournalReader(directory: directory).forEachRecord { record, _ in
            records.append(record)
            return true
        }
        return records
    }

    @Test("a POST's request record is on disk by the time the client has the head; completed has the digests; GET leaves nothing")
    func durableBeforeTheHead() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "stored") }
        try await Self.withJournal { journal, directory in
            try await AuditGateway.with(yaml: Self.yaml("{ journal: \(directory) }"), upstream: app, recorder: journal) { port async throws in
                #expect(try await RawHTTP.request("GET", "/orders", port: port).status == 200)
                let connection = try await RawConnection(port: port)
                try await connection.send("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")
                let head = try await connection.wait { $0.contains("\r\n\r\n") }
                let durable = journal.status.durableSequence
                #expect(head.hasPrefix("HTTP/1.1 200"))
                _ = try await connection.wait { $0.hasSuffix("stored") }
                await connection.close()
                #expect(try await eventually { (try Self.records(in: directory)).count == 2 })
                let records = try Self.records(in: directory)
                let request = try #require(records.first { $0.entry.kind == .request })
                #expect(request.entry.method == "POST" && request.entry.status == 200)
                #expect(durable >= request.sequence, "durable \(durable), request record \(request.sequence)")
                let completed = try #require(records.first { $0.entry.kind == .completed })
                #expect(completed.entry.id == request.entry.id)
                #expect(completed.entry.requestBodySHA256 == SHA256.hash(data: Data("body".utf8)).map { String(format: "%02x", $0) }.joined())
                #expect(completed.entry.responseBytes == 6)
            }
        }
    }

    @Test("a journal that cannot write: 503 under on_failure: reject, 200 under pass")
    func closedJournal() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        for (mode, status) in [("reject", 503), ("pass", 200)] {
            try await Self.withJournal { journal, directory in
                journal.close()
                try await AuditGateway.with(yaml: Self.yaml("{ journal: \(directory), on_failure: \(mode) }"), upstream: app, recorder: journal) { port async throws in
                    #expect(try await RawHTTP.request("POST", "/orders", port: port, body: "x").status == status, "on_failure: \(mode)")
                }
            }
        }
    }
}
