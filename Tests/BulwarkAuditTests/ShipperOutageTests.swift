@testable import BulwarkAudit
import BulwarkTestSupport
import Foundation
import Logging
import Testing

/// The shipper with a real journal and a real PostgreSQL: exact counts, no duplicates, and catching up
/// by itself after the database was stopped.
@Suite(.enabled(if: PostgresServer.shouldRun), .timeLimit(.minutes(4)))
struct ShipperOutageTests {
    static let options = AuditShipper.Options(
        batchSize: 250, interval: .milliseconds(50), backoff: .exponential(base: .milliseconds(50), maximum: .milliseconds(400)),
        breaker: .init(name: "audit-store-test", consecutiveFailureThreshold: 3, openDuration: .milliseconds(300), permittedCallsInHalfOpen: 1)
    )

    static func shipper(_ journal: AuditJournal, url: String) throws -> AuditShipper {
        AuditShipper(journal: journal.directory, store: try PostgresAuditStore(url: url, connectTimeout: .seconds(2), logger: ShipperFixtures.logger),
                     options: options, logger: ShipperFixtures.logger) {
            let status = journal.status
            return .init(lastSequence: status.lastSequence, durableSequence: status.durableSequence)
        }
    }

    /// Waits (polling, at most `seconds`) until `condition` holds.
    static func until(_ seconds: Double = 60, _ condition: () throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { throw TestFailure("condition not met within \(seconds) s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func aJournalShipsExactlyOnceEvenWhenThePositionIsLost() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let directory = try ShipperFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Small segments, so the shipper reads across many of them.
        let journal = try AuditJournal(directory: directory, options: .init(segmentBytes: 64 << 10), logger: ShipperFixtures.logger)
        defer { journal.close() }
        let base = Date().auditMilliseconds - 10_000
        var requests: [AuditEntry] = []
        for index in 0..<2_500 {
            let request = ShipperFixtures.request(at: base + Int64(index))
            requests.append(request)
            journal.append(request, waitForDisk: false, completion: nil)
        }
        for request in requests.prefix(300) { journal.append(ShipperFixtures.completion(of: request), waitForDisk: false, completion: nil) }
        _ = try await journal.record(.action("test.flush", actor: "test"))
        let shipper = try Self.shipper(journal, url: server.url())
        var shipped = 0
        while case let count = try await shipper.shipOnce(), count > 0 { shipped += count }
        #expect(shipped == 2_801)
        #expect(journal.status.segments > 1)
        #expect(try server.psql("SELECT count(*), count(DISTINCT id) FROM audit_events") == "2501|2501\n")
        #expect(try server.psql("SELECT count(*) FROM audit_events WHERE completed_sequence IS NOT NULL AND outcome = 'complete' AND response_bytes = 42") == "300\n")
        #expect(shipper.status.shippedSequence == 2_801 && shipper.status.lagEvents == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: AuditShipPosition.path(in: directory))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((try FileManager.default.attributesOfItem(atPath: AuditJournalIdentity.path(in: directory))[.posixPermissions] as? Int) == 0o600)

        try FileManager.default.removeItem(atPath: AuditShipPosition.path(in: directory))
        var again = 0
        while case let count = try await shipper.shipOnce(), count > 0 { again += count }
        #expect(again == 2_801)
        #expect(try server.psql("SELECT count(*), count(DISTINCT id) FROM audit_events") == "2501|2501\n")
        #expect(try server.psql("SELECT count(*) FROM audit_events WHERE completed_sequence IS NOT NULL") == "300\n")
        let journalID = try #require(try AuditJournalIdentity.read(in: directory))
        #expect(try server.psql("SELECT sequence FROM audit_anchor WHERE journal = '\(journalID)'") == "2801\n")
        await shipper.close()
    }

    @Test func aStoppedDatabaseIsCaughtUpWithByItself() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let directory = try ShipperFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = try AuditJournal(directory: directory, logger: ShipperFixtures.logger)
        defer { journal.close() }
        let password = "pw-\(UUID().uuidString.prefix(6))"
        // The test server trusts loopback, so the password is never asked for; it must still never show.
        let shipper = try Self.shipper(journal, url: "postgres://postgres:\(password)@127.0.0.1:\(server.port)/postgres")
        let running = Task { try await shipper.run() }
        defer { running.cancel() }

        func append(_ count: Int) async throws {
            for _ in 0..<count - 1 { journal.append(ShipperFixtures.request(at: Date().auditMilliseconds), waitForDisk: false, completion: nil) }
            _ = try await journal.record(ShipperFixtures.request(at: Date().auditMilliseconds))
        }
        try await append(400)
        try await Self.until { shipper.status.shippedSequence == 400 }

        try PostgresOutage.stop(server)
        try await append(300)
        try await Self.until { shipper.status.state == "failing" }
        try await append(300)
        try await Self.until { shipper.status.lagEvents >= 600 }
        let failing = shipper.status
        #expect(failing.shippedSequence == 400)
        let message = try #require(failing.lastError)
        #expect(!message.contains(password))
        #expect(message.contains("127.0.0.1:\(server.port)"))
        try await Task.sleep(for: .milliseconds(200))
        #expect(shipper.status.lagSeconds > 0)

        try PostgresOutage.start(server)
        try await append(100)
        try await Self.until { shipper.status.shippedSequence == 1_100 }
        #expect(shipper.status.state == "caught_up" || shipper.status.state == "shipping")
        #expect(shipper.status.lastError == nil && shipper.status.lagEvents == 0)
        #expect(try server.psql("SELECT count(*), count(DISTINCT id) FROM audit_events") == "1100|1100\n")
        running.cancel()
        _ = try? await running.value
    }
}
