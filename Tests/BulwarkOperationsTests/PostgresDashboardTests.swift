@testable import BulwarkOperations
import BulwarkPostgres
import Foundation
import Testing

/// The dashboard's PostgreSQL panel: present in the page, fed by `/api/postgres`, and its rendering
/// run in Node against a minimal DOM with the page's own helpers (when Node is installed).
@Suite("PostgreSQL dashboard panel")
struct PostgresDashboardTests {
    typealias F = PostgresFixtures

    @Test("the page has the PostgreSQL panel, hidden until /api/postgres lists a cluster, and polls /api/postgres")
    func panelInPage() throws {
        let html = DashboardPage.html
        let open = try #require(html.range(of: #"<section id="postgres-section""#))
        let tag = html[open.lowerBound...].prefix { $0 != ">" }
        #expect(tag.contains(" hidden"))
        #expect(html.contains("<h2>PostgreSQL"))
        for header in ["Server", "Role", "Lag", "Connections", "Waiting", "Duration", "Database", "User", "Statement"] {
            #expect(html.contains("<th>\(header)</th>") || html.contains(#"<th class="num">\#(header)</th>"#), "\(header)")
        }
        #expect(html.contains(#"section("postgres", "/api/postgres", renderPostgres)"#))
        #expect(html.contains("function renderPostgres(data)"))
    }

    /// Node's output after rendering `status` (JSON as `/api/postgres` sends it) with the panel's script:
    /// `hidden=…`, the state line, then each table's rows, cells joined by " | ".
    static func render(_ status: PostgresStatus) async throws -> String {
        let node = try #require(which("node"))
        let script = DashboardPage.script
        let start = try #require(script.range(of: "// ---- formatting helpers ----"))
        let end = try #require(script.range(of: "// ---- sections ----"))
        let helpers = String(script[start.lowerBound..<end.lowerBound])
        let json = String(decoding: try JSONEncoder().encode(status), as: UTF8.self)
        let program = """
            function makeEl(tag) {
              return { tag: tag, textContent: "", className: "", hidden: false, children: [], colSpan: 1,
                appendChild: function (c) { this.children.push(c); } };
            }
            var document = { createElement: makeEl };
            function table(columns) {
              var t = makeEl("table"), body = makeEl("tbody");
              Object.defineProperty(body, "textContent", { set: function () { body.children = []; }, get: function () { return ""; } });
              t.tBodies = [body];
              t.tHead = { rows: [{ cells: Array.from({ length: columns }, function () { return { className: "" }; }) }] };
              return t;
            }
            var nodes = { "postgres-section": makeEl("section"), "postgres-state": makeEl("span"),
              "postgres-servers": table(7), "postgres-slow": table(6), "err-postgres": makeEl("p") };
            nodes["postgres-section"].hidden = true;
            function $(id) { return nodes[id]; }
            var lastRendered = {};
            \(helpers)
            \(DashboardPage.postgresScript)
            renderPostgres(\(json));
            var out = ["hidden=" + nodes["postgres-section"].hidden, "state=" + nodes["postgres-state"].textContent];
            ["postgres-servers", "postgres-slow"].forEach(function (id) {
              nodes[id].tBodies[0].children.forEach(function (tr) {
                out.push(id + ": " + tr.children.map(function (td) { return td.textContent + (td.className ? "{" + td.className + "}" : ""); }).join(" | "));
              });
            });
            console.log(out.join("\\n"));
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-postgres-panel-\(UUID().uuidString).js")
        try program.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await run(node, [file.path], limit: .seconds(30))
        try #require(result.status == 0, "\(result.output)")
        return result.output
    }

    @Test(.enabled(if: which("node") != nil || isCI, "node not installed (apt-get install nodejs)"))
    func rendersServersAndSlowQueries() async throws {
        let cluster = F.cluster(servers: [
            F.server("10.0.0.1:5432", "primary", connections: 12),
            F.server("10.0.0.2:5432", "replica", lag: 7.5, connections: 3, waiting: 2),
            F.server("10.0.0.3:5432", "unknown", lag: nil, healthy: false, error: "connection refused"),
        ], slowQueries: [F.query(1240), F.query(3500, level: "error", statement: "select pg_sleep(?)")])
        let output = try await Self.render(PostgresStatus(clusters: [cluster]))
        #expect(output.contains("hidden=false"), "\(output)")
        #expect(output.contains("state=main: primary 10.0.0.1:5432, 42 queries"), "\(output)")
        #expect(output.contains("postgres-servers: main | 10.0.0.1:5432 | primary{ok} | 0.00 s | healthy{ok} | 12 | 0"), "\(output)")
        #expect(output.contains("postgres-servers: main | 10.0.0.2:5432 | replica | 7.50 s{warn} | healthy{ok} | 3 | 2{warn}"), "\(output)")
        #expect(output.contains("10.0.0.3:5432 | unknown{muted} | \u{2014} | down (connection refused){bad}"), "\(output)")
        let slow = output.split(separator: "\n").filter { $0.hasPrefix("postgres-slow: ") }
        #expect(slow.count == 2)
        #expect(slow.first?.hasPrefix("postgres-slow: 3500 ms{bad} | main | app | web | select pg_sleep(?) | ") == true, "\(slow)")
        #expect(slow.last?.hasPrefix("postgres-slow: 1240 ms{warn} | main | app | web | select * from orders where id = ? | ") == true, "\(slow)")
    }

    @Test(.enabled(if: which("node") != nil || isCI, "node not installed (apt-get install nodejs)"))
    func hiddenWithoutClustersAndFlagsNoPrimary() async throws {
        #expect(try await Self.render(PostgresStatus(clusters: [])).contains("hidden=true"))
        let output = try await Self.render(PostgresStatus(clusters: [F.cluster(primary: nil, conflict: ["10.0.0.1:5432", "10.0.0.2:5432"])]))
        #expect(output.contains("state=main: SPLIT BRAIN (10.0.0.1:5432, 10.0.0.2:5432)"), "\(output)")
    }
}
