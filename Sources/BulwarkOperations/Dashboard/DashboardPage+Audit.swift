extension DashboardPage {
    /// The Audit panel's markup: the journal's and shipper's state, and the latest 20 events. Hidden
    /// until `/api/audit/status` answers (it answers 404 without `audit:`).
    static let auditSection: String = #"""
    <section id="audit-section" class="wide" hidden>
        <h2>Audit <span class="muted" id="audit-state"></span></h2>
        <table id="audit"><thead><tr><th>Time</th><th>Actor</th><th>Method</th><th>Path</th><th class="num">Status</th><th>Route</th></tr></thead><tbody></tbody></table>
        <p class="err" id="err-audit"></p>
      </section>
    """#

    /// The Audit panel's JavaScript, inlined into ``script`` (it uses that script's helpers).
    static let auditScript: String = #"""
    // The audit log: hidden when /api/audit/status answers 404 (no audit: section).
      function auditState(s) {
        var j = s.journal || {}, parts = [];
        parts.push("journal " + (j.available ? "available" : "UNAVAILABLE" + (j.last_failure ? " (" + str(j.last_failure) + ")" : "")));
        parts.push("record " + str(j.last_sequence) + " (durable " + str(j.durable_sequence) + ")");
        parts.push(bytes(j.bytes) + " in " + str(j.segments) + " segment" + (j.segments === 1 ? "" : "s"));
        var sh = s.shipper;
        if (sh) {
          parts.push("shipper " + str(sh.state) + ", lag " + str(sh.lag_events) + " events / " + duration(sh.lag_seconds)
            + (sh.last_error ? " (" + str(sh.last_error) + ")" : ""));
        } else {
          parts.push("no database: the journal is the store");
        }
        return { text: parts.join(" \u00b7 "), cls: !j.available || (sh && sh.state === "failing") ? "bad" : "muted" };
      }
      function renderAudit(status, page) {
        var st = auditState(status), box = $("audit-state");
        box.textContent = st.text;
        box.className = st.cls;
        fillTable("audit", (page.events || []).slice(0, 20).map(function (e) {
          var code = isNum(e.status) ? e.status : null;
          return [when(e.time), str(e.actor) || "\u2014", str(e.method) || "\u2014", str(e.path) || str(e.action) || "\u2014",
            { text: code === null ? "\u2014" : String(code), cls: code === null ? "muted" : (code >= 500 ? "bad" : (code >= 400 ? "warn" : "ok")) },
            str(e.route) || str(e.action) || "\u2014"];
        }), "No audit events yet");
      }
      function auditPanel() {
        return request("/api/audit/status").then(function (r) {
          if (r.status === 404) { $("audit-section").hidden = true; return; }
          if (!r.ok) throw new ApiError("http", r.status, "HTTP " + r.status);
          $("audit-section").hidden = false;
          return getData("/api/audit?limit=20").then(function (page) {
            sectionError("audit", null);
            if (changed("audit", [r.data, page])) renderAudit(r.data, page);
          });
        }).catch(function (e) { sectionError("audit", e); });
      }
    """#
}
