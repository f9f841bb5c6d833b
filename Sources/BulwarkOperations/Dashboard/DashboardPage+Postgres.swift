extension DashboardPage {
    /// The PostgreSQL panel's markup: every cluster's servers, and the slowest recent statements. Hidden
    /// while `/api/postgres` lists no cluster (no `postgres:` section).
    static let postgresSection: String = #"""
    <section id="postgres-section" class="wide" hidden>
        <h2>PostgreSQL <span class="muted" id="postgres-state"></span></h2>
        <table id="postgres-servers"><thead><tr><th>Cluster</th><th>Server</th><th>Role</th><th class="num">Lag</th><th>Check</th><th class="num">Connections</th><th class="num">Waiting</th></tr></thead><tbody></tbody></table>
        <table id="postgres-slow"><thead><tr><th class="num">Duration</th><th>Cluster</th><th>Database</th><th>User</th><th>Statement</th><th>At</th></tr></thead><tbody></tbody></table>
        <p class="err" id="err-postgres"></p>
      </section>
    """#

    /// The PostgreSQL panel's JavaScript, inlined into ``script`` (it uses that script's helpers).
    static let postgresScript: String = #"""
    // The PostgreSQL proxy: hidden when /api/postgres lists no cluster (no postgres: section).
      function postgresState(clusters) {
        return clusters.map(function (c) {
          var conflict = c.conflict || [];
          if (conflict.length >= 2) return { text: str(c.name) + ": SPLIT BRAIN (" + conflict.join(", ") + ")", bad: true };
          if (!c.primary) return { text: str(c.name) + ": NO PRIMARY", bad: true };
          return { text: str(c.name) + ": primary " + str(c.primary) + ", " + str(c.queries) + " queries", bad: false };
        });
      }
      function renderPostgres(data) {
        var clusters = data.clusters || [];
        $("postgres-section").hidden = clusters.length === 0;
        if (!clusters.length) return;
        var states = postgresState(clusters), box = $("postgres-state");
        box.textContent = states.map(function (s) { return s.text; }).join(" \u00b7 ");
        box.className = states.some(function (s) { return s.bad; }) ? "bad" : "muted";
        var servers = [], slow = [];
        clusters.forEach(function (c) {
          (c.servers || []).forEach(function (s) {
            var lag = isNum(s.lag_seconds) ? num(s.lag_seconds) + " s" : "\u2014";
            var stale = s.role === "replica" && (!isNum(s.lag_seconds) || s.lag_seconds > c.max_replica_lag_seconds);
            servers.push([str(c.name), str(s.address),
              { text: str(s.role), cls: s.role === "primary" ? "ok" : (s.role === "replica" ? "" : "muted") },
              { text: lag, cls: stale && s.healthy ? "warn" : "" },
              { text: s.healthy ? "healthy" : "down" + (s.last_error ? " (" + str(s.last_error) + ")" : ""), cls: s.healthy ? "ok" : "bad" },
              str(s.connections), { text: str(s.waiting), cls: s.waiting > 0 ? "warn" : "" }]);
          });
          (c.slow_queries || []).forEach(function (q) {
            slow.push({ ms: q.duration_ms, row: [{ text: num(q.duration_ms, 0) + " ms", cls: q.level === "error" ? "bad" : "warn" },
              str(c.name), str(q.database), str(q.user), str(q.statement), when(q.at)] });
          });
        });
        fillTable("postgres-servers", servers, "No servers");
        slow.sort(function (a, b) { return b.ms - a.ms; });
        fillTable("postgres-slow", slow.slice(0, 20).map(function (s) { return s.row; }), "No slow queries");
      }
    """#
}
