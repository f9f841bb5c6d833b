import BulwarkConfig
import Foundation
import Testing

/// The dashboard's Audit panel in a real headless Chromium against a live admin listener with a real
/// journal: the latest events and the journal's state with `audit:`, hidden without.
@Suite(.timeLimit(.minutes(2)))
struct AuditDashboardTests {
    /// Whether the Audit section's opening tag carries `hidden` in the rendered DOM.
    static func panelHidden(in dom: String) throws -> Bool {
        let start = try #require(dom.range(of: "id=\"audit-section\""))
        let tagStart = try #require(dom[..<start.lowerBound].lastIndex(of: "<"))
        let tagEnd = try #require(dom[start.upperBound...].firstIndex(of: ">"))
        return dom[tagStart..<tagEnd].contains(" hidden")
    }

    @Test(.enabled(if: DashboardTests.chromium != nil || isCI, "chromium not installed (apt-get install chromium)"))
    func theAuditPanelShowsTheLatestEventsAndTheJournal() async throws {
        try #require(DashboardTests.chromium != nil, "chromium is required under CI=true (apt-get install chromium)")
        try await AuditAdminHarness.with(audit: AuditSettings()) { harness async throws in
            #expect(try await harness.admin(.POST, "/api/circuits/app/open").status == 200)
            let dom = try await DashboardTests.render("http://127.0.0.1:\(harness.adminPort)/")
            #expect(try !Self.panelHidden(in: dom))
            let events = DashboardTests.text(of: "audit", in: dom) ?? ""
            #expect(events.contains("/api/circuits/app/open"), "\(events)")
            #expect(events.contains("breaker.force_open"))
            #expect(events.contains("admin"))
            let state = DashboardTests.text(of: "audit-state", in: dom) ?? ""
            #expect(state.contains("journal available"), "\(state)")
            #expect(state.contains("durable 2"), "\(state)")
            #expect(state.contains("no database"))
        }
    }

    @Test(.enabled(if: DashboardTests.chromium != nil || isCI, "chromium not installed (apt-get install chromium)"))
    func theAuditPanelIsHiddenWithoutAudit() async throws {
        try #require(DashboardTests.chromium != nil, "chromium is required under CI=true (apt-get install chromium)")
        try await AuditAdminHarness.with(audit: nil) { harness async throws in
            let dom = try await DashboardTests.render("http://127.0.0.1:\(harness.adminPort)/")
            #expect(DashboardTests.text(of: "connection", in: dom) == "online")
            #expect(try Self.panelHidden(in: dom))
        }
    }
}
