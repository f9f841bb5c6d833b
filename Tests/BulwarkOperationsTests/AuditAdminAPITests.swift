import BulwarkAudit
import BulwarkConfig
import BulwarkOperations
import Foundation
import Testing

/// Admin actions in the audit log, and `GET /api/audit`, against a real admin listener and a real
/// journal in a temporary directory.
@Suite(.timeLimit(.minutes(1)))
struct AuditAdminAPITests {
    /// `audit:` with its defaults (sync, on_failure: reject); the harness sets the journal.
    static let settings = AuditSettings()

    @Test("a breaker forced open leaves an action record before it is carried out and a completed record with its status")
    func forcedOpenIsRecorded() async throws {
        try await AuditAdminHarness.with(audit: Self.settings) { harness async throws in
            let reply = try await harness.admin(.POST, "/api/circuits/app/open")
            #expect(reply.status == 200)
            #expect(harness.breakerState == "forced_open")
            // The completed record is not awaited: wait (bounded) for it to be written.
            #expect(try await eventually { try harness.records().count >= 2 })
            let entries = try harness.records().map(\.entry)
            #expect(entries.map(\.kind) == [.action, .completed])
            let action = try #require(entries.first)
            #expect(action.action == "breaker.force_open")
            #expect(action.actor == "admin")
            #expect(action.subject == "app")
            #expect(action.client == "127.0.0.1")
            #expect(action.status == nil)
            let completed = try #require(entries.last)
            #expect(completed.id == action.id)
            #expect(completed.time == action.time)
            #expect(completed.status == 200)

            // A read changes nothing and is not recorded.
            #expect(try await harness.admin(.GET, "/api/circuits").status == 200)
            #expect(try harness.records().count == 2)
        }
    }

    @Test("with the journal unavailable and on_failure: reject, an action answers 503 naming the journal and is not carried out")
    func unavailableJournalRefusesActions() async throws {
        try await AuditAdminHarness.with(audit: Self.settings) { harness async throws in
            await harness.closeJournal()
            let reply = try await harness.admin(.POST, "/api/circuits/app/open")
            #expect(reply.status == 503)
            #expect(reply.body.contains("breaker.force_open was not carried out"))
            #expect(harness.breakerState == "closed")
            #expect(try harness.records().isEmpty)
        }
    }

    @Test("with on_failure: pass, an action goes ahead although the journal is unavailable")
    func passCarriesOutUnrecorded() async throws {
        var settings = Self.settings
        settings.onFailure = .pass
        try await AuditAdminHarness.with(audit: settings) { harness async throws in
            await harness.closeJournal()
            #expect(try await harness.admin(.POST, "/api/circuits/app/open").status == 200)
            #expect(harness.breakerState == "forced_open")
        }
    }

    @Test("GET /api/audit filters by status, kind, actor and route, newest first, and pages with next_cursor")
    func queryFiltersAndPages() async throws {
        try await AuditAdminHarness.with(audit: Self.settings) { harness async throws in
            let log = try #require(harness.audit)
            let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 600).rounded(.down))
            for (index, (status, route, actor)) in [(201, "orders", "alice"), (500, "orders", "bob"), (204, "users", "alice"), (503, "users", "alice"), (200, "orders", "carol")].enumerated() {
                var entry = AuditEntry(kind: .request, id: AuditEventID(), time: start.addingTimeInterval(Double(index)))
                entry.method = "POST"
                entry.path = "/\(route)/\(index)"
                entry.route = route
                entry.status = status
                entry.actor = actor
                try await log.record(entry)
            }
            func events(_ query: String) async throws -> (paths: [String], cursor: String?) {
                let reply = try await harness.admin(.GET, "/api/audit?" + query)
                #expect(reply.status == 200, "\(query): \(reply.body)")
                let object = try reply.object()
                let events = object["events"] as? [[String: Any]] ?? []
                return (events.compactMap { $0["path"] as? String }, object["next_cursor"] as? String)
            }
            #expect(try await events("status=5xx").paths == ["/users/3", "/orders/1"])
            #expect(try await events("actor=alice&route=users").paths == ["/users/3", "/users/2"])
            #expect(try await events("status=201").paths == ["/orders/0"])
            #expect(try await events("kind=action").paths.isEmpty)
            #expect(try await events("since=1h&until=\(ISO8601DateFormatter().string(from: start.addingTimeInterval(2)))").paths == ["/orders/1", "/orders/0"])

            let first = try await events("limit=2")
            #expect(first.paths == ["/orders/4", "/users/3"])
            let cursor = try #require(first.cursor)
            let second = try await events("limit=2&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor)")
            #expect(second.paths == ["/users/2", "/orders/1"])
            let third = try await events("limit=2&cursor=\(try #require(second.cursor).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            #expect(third.paths == ["/orders/0"])
            #expect(third.cursor == nil)
        }
    }

    @Test("a bad parameter answers 400 naming it")
    func badParameters() async throws {
        try await AuditAdminHarness.with(audit: Self.settings) { harness async throws in
            for (query, name) in [("status=abc", "status"), ("since=yesterday", "since"), ("limit=0", "limit"), ("kind=other", "kind"), ("cursor=zzz", "cursor"), ("colour=red", "colour")] {
                let reply = try await harness.admin(.GET, "/api/audit?" + query)
                #expect(reply.status == 400, "\(query)")
                let message = try reply.object()["error"] as? String ?? ""
                #expect(message.hasPrefix(name + ":"), "\(query): \(message)")
            }
        }
    }

    @Test("GET /api/audit/status shows the journal's sequence, size and availability")
    func status() async throws {
        try await AuditAdminHarness.with(audit: Self.settings) { harness async throws in
            try await #require(harness.audit).record(.action("test.thing", actor: "tester"))
            let status = try await harness.admin(.GET, "/api/audit/status").object()
            let journal = status["journal"] as? [String: Any] ?? [:]
            #expect(journal["available"] as? Bool == true)
            #expect(journal["last_sequence"] as? Int == 1)
            #expect(journal["durable_sequence"] as? Int == 1)
            #expect((journal["bytes"] as? Int ?? 0) > 0)
            #expect(status["durability"] as? String == "sync")
            #expect(status["shipper"] == nil || status["shipper"] is NSNull)
        }
    }

    @Test("without audit: both endpoints answer 404 saying so, and actions are carried out")
    func notConfigured() async throws {
        try await AuditAdminHarness.with(audit: nil) { harness async throws in
            for path in ["/api/audit", "/api/audit/status"] {
                let reply = try await harness.admin(.GET, path)
                #expect(reply.status == 404)
                #expect(reply.body.contains("audit log is not configured"))
            }
            #expect(try await harness.admin(.POST, "/api/circuits/app/open").status == 200)
        }
    }
}
