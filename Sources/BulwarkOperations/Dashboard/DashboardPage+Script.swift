extension DashboardPage {
    /// The page's JavaScript, inlined into ``html``: polling with backoff, the token, and the SVG charts.
    static let script: String = #"""
    "use strict";
    (function () {
      var TOKEN_KEY = "bulwark.token";
      var memoryToken = null, prompted = false, tokenRejected = false;
      var failures = 0, timer = null, polling = false, pollAgain = false;
      var lastRendered = {};

      function $(id) { return document.getElementById(id); }
      function getToken() {
        try { return window.sessionStorage.getItem(TOKEN_KEY) || memoryToken; } catch (e) { return memoryToken; }
      }
      function setToken(t) {
        memoryToken = t || null;
        try {
          if (t) window.sessionStorage.setItem(TOKEN_KEY, t); else window.sessionStorage.removeItem(TOKEN_KEY);
        } catch (e) { /* storage unavailable: memory only */ }
      }
      function setAuth(text) {
        $("auth-message").textContent = text;
        $("token-button").hidden = !text;
      }
      (function readFragment() {
        var hash = window.location.hash ? window.location.hash.substring(1) : "";
        var parts = hash.split("&");
        for (var i = 0; i < parts.length; i++) {
          if (parts[i].indexOf("token=") === 0) {
            var raw = parts[i].substring(6), value;
            try { value = decodeURIComponent(raw.replace(/\+/g, " ")); } catch (e) { value = raw; }
            if (value) setToken(value);
            try { history.replaceState(null, "", window.location.pathname + window.location.search); } catch (e) { }
            return;
          }
        }
      })();

      function ApiError(kind, status, message) { this.kind = kind; this.status = status; this.message = message; }

      function handleUnauthorized(used) {
        var current = getToken();
        if (current && current !== used) return true;            // token changed meanwhile: retry with it
        if (used) { setToken(null); tokenRejected = true; setAuth("Token rejected"); return false; }
        if (tokenRejected) return false;
        if (!prompted) {
          prompted = true;
          var t = null;
          // Headless browsers cannot answer a dialog (it would block forever): treat as "no answer".
          if (!/HeadlessChrome/.test(navigator.userAgent || "")) {
            try { t = window.prompt("Bulwark admin token"); } catch (e) { t = null; }
          }
          if (t && t.trim()) { setToken(t.trim()); setAuth(""); return true; }
        }
        setAuth("Token required");
        return false;
      }

      // Sends the request (with the bearer token when known, and X-Bulwark-Admin) and parses the JSON body.
      // Rejects with ApiError kind "network" (fetch failed/timed out), "auth" (401), "parse" (not JSON).
      async function request(path, method) {
        for (var attempt = 0; attempt < 3; attempt++) {
          var used = getToken();
          // X-Bulwark-Admin on every call: without a token the admin API refuses POSTs lacking it (a
          // cross-site page cannot set it), and sending it always keeps GET and POST alike.
          var headers = { "Accept": "application/json", "X-Bulwark-Admin": "1" };
          if (used) headers["Authorization"] = "Bearer " + used;
          var ctl = typeof AbortController === "function" ? new AbortController() : null;
          var guard = ctl ? setTimeout(function () { ctl.abort(); }, 10000) : null;
          var res, text;
          try {
            res = await fetch(path, { method: method || "GET", headers: headers, cache: "no-store", signal: ctl ? ctl.signal : undefined });
            text = await res.text();
          } catch (e) {
            throw new ApiError("network", 0, "network error");
          } finally { if (guard) clearTimeout(guard); }
          if (res.status === 401) {
            if (handleUnauthorized(used)) continue;
            throw new ApiError("auth", 401, "unauthorized");
          }
          var data;
          try { data = JSON.parse(text); } catch (e) { throw new ApiError("parse", res.status, "HTTP " + res.status + " (not JSON)"); }
          return { status: res.status, ok: res.ok, data: data };
        }
        throw new ApiError("auth", 401, "unauthorized");
      }
      async function getData(path) {
        var r = await request(path);
        if (!r.ok) throw new ApiError("http", r.status, "HTTP " + r.status);
        return r.data;
      }

      // ---- formatting helpers ----
      function pad(n) { return (n < 10 ? "0" : "") + n; }
      function clock(d) { return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()); }
      function isNum(v) { return typeof v === "number" && isFinite(v); }
      function num(v, digits) {
        if (!isNum(v)) return "\u2014";
        if (digits === undefined) digits = Math.abs(v) >= 100 ? 0 : (Math.abs(v) >= 10 ? 1 : 2);
        return v.toFixed(digits);
      }
      function pct(v) { return isNum(v) ? num(v * 100, v * 100 >= 10 ? 1 : 2) + "%" : "\u2014"; }
      function bytes(v) {
        if (!isNum(v)) return "\u2014";
        var u = ["B", "KB", "MB", "GB", "TB"], i = 0;
        while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
        return num(v, i === 0 ? 0 : 1) + " " + u[i];
      }
      function duration(s) {
        if (!isNum(s)) return "\u2014";
        s = Math.floor(s);
        var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
        if (d > 0) return d + "d " + h + "h";
        if (h > 0) return h + "h " + m + "m";
        if (m > 0) return m + "m " + sec + "s";
        return sec + "s";
      }
      function when(iso) {
        if (!iso) return "\u2014";
        var t = Date.parse(iso);
        if (isNaN(t)) return String(iso);
        var d = new Date(t), today = new Date();
        var day = d.toDateString() === today.toDateString() ? "" : d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " ";
        return day + clock(d);
      }
      function str(v) { return v === null || v === undefined ? "" : String(v); }
      function el(tag, cls, text) {
        var e = document.createElement(tag);
        if (cls) e.className = cls;
        if (text !== undefined && text !== null) e.textContent = String(text);
        return e;
      }
      function healthClass(word) {
        var w = str(word).toLowerCase();
        if (w === "healthy" || w === "closed" || w === "online" || w === "ok") return "ok";
        if (w === "degraded" || w === "half_open" || w === "ejected" || w === "warning") return "warn";
        if (w === "unhealthy" || w === "open" || w === "forced_open" || w === "error") return "bad";
        return "muted";
      }
      // rows: array of arrays of cells; a cell is a string or {text, cls}.
      function fillTable(id, rows, emptyText) {
        var table = $(id), tbody = table.tBodies[0], cols = table.tHead.rows[0].cells.length;
        var heads = table.tHead.rows[0].cells;
        tbody.textContent = "";
        if (!rows.length) {
          var tr = el("tr"), td = el("td", "empty", emptyText);
          td.colSpan = cols; tr.appendChild(td); tbody.appendChild(tr);
          return;
        }
        rows.forEach(function (row) {
          var tr = el("tr");
          row.forEach(function (cell, i) {
            var c = (cell !== null && typeof cell === "object") ? cell : { text: cell };
            var cls = (heads[i] && heads[i].className === "num" ? "num " : "") + (c.cls || "");
            tr.appendChild(el("td", cls.trim(), str(c.text)));
          });
          tbody.appendChild(tr);
        });
      }
      function changed(key, data) {
        var s = JSON.stringify(data);
        if (lastRendered[key] === s) return false;
        lastRendered[key] = s;
        return true;
      }
      function sectionError(id, err) {
        if (err) lastRendered[id] = null;
        var box = $("err-" + id);
        if (box) box.textContent = err ? "unavailable: " + (err.message || String(err)) : "";
      }

      // ---- sections ----
      function renderHealth(h) {
        var status = str(h.status).toUpperCase() || "UNKNOWN";
        var s = $("status");
        s.textContent = status;
        s.className = "pill st-" + ({ HEALTHY: "healthy", DEGRADED: "degraded", UNHEALTHY: "unhealthy" }[status] || "unknown");
        $("score").textContent = isNum(h.score) ? String(Math.round(h.score)) : "-";
        var r = $("ready");
        r.textContent = h.ready ? "ready" : "not ready";
        r.className = h.ready ? "ok" : "bad";
        $("draining").textContent = h.draining ? "draining" : "";
        renderTLS(h.tls || null);
        if (!changed("checks", h.checks)) return;
        fillTable("checks", (h.checks || []).map(function (c) {
          return [str(c.name), str(c.kind) + (c.critical ? " (critical)" : ""), { text: str(c.status), cls: healthClass(c.status) },
            isNum(c.latency_ms) ? num(c.latency_ms) + " ms" : "\u2014", str(c.message)];
        }), "No health checks configured");
      }
      // The HTTPS listener's certificates and failed handshakes; hidden for a plain HTTP listener.
      function renderTLS(tls) {
        if (!changed("tls", tls)) return;
        $("tls-section").hidden = !tls;
        if (!tls) return;
        fillTable("tls", (tls.certificates || []).map(function (c) {
          var hosts = (c.hosts || []).join(", ") || str(c.subject);
          return [hosts, when(c.not_after), isNum(c.days_left) ? String(c.days_left) : "\u2014",
            { text: str(c.status), cls: healthClass(c.status) }];
        }), "No certificates");
        var failures = tls.handshake_failures || {}, reasons = Object.keys(failures).sort();
        $("tls-failures").textContent = "Failed handshakes: " + (reasons.length
          ? reasons.map(function (r) { return r + " " + failures[r]; }).join(" \u00b7 ") : "none");
      }
      function renderSystem(sys) {
        var parts = ["v" + str(sys.version), "up " + duration(sys.uptime_seconds)];
        if (sys.hostname) parts.push("host " + sys.hostname);
        if (isNum(sys.pid)) parts.push("pid " + sys.pid);
        $("system").textContent = parts.join(" \u00b7 ");
        $("system").title = "config " + str(sys.config_hash) + ", started " + str(sys.started_at);
      }
      function renderMetrics(m) {
        var tiles = [
          ["Requests/s", num(m.request_rate)], ["Error rate", pct(m.error_rate)],
          ["p95 latency", num(m.latency_p95_ms) + " ms"], ["p99 latency", num(m.latency_p99_ms) + " ms"],
          ["In flight", str(m.in_flight)], ["Requests total", str(m.requests_total)],
          ["Rate limited", str(m.rate_limited_total)], ["Retries", str(m.retries_total)],
          ["Memory (RSS)", bytes(m.rss_bytes)], ["CPU", num(m.cpu_percent, 1) + "%"],
          ["Open files", str(m.open_files)], ["Open alerts", str(m.open_alerts)]
        ];
        var box = $("metrics");
        box.textContent = "";
        tiles.forEach(function (t) {
          var d = el("div", "tile");
          d.appendChild(el("div", "k", t[0]));
          d.appendChild(el("div", "v", t[1]));
          box.appendChild(d);
        });
      }
      function renderTargets(data) {
        var rows = [];
        (data.upstreams || []).forEach(function (u) {
          (u.targets || []).forEach(function (t) {
            var health = t.ejected ? "ejected" : (t.healthy ? "healthy" : "unhealthy");
            var probe = t.last_probe
              ? (isNum(t.last_probe.latency_ms) ? num(t.last_probe.latency_ms) + " ms" : "\u2014") + (t.last_probe.passed ? "" : " (failed)")
              : "\u2014";
            rows.push([str(u.name), str(t.address), { text: health, cls: healthClass(health) },
              { text: str(t.breaker), cls: healthClass(t.breaker) }, str(t.in_flight), probe, credentialCell(u.credentials)]);
          });
        });
        fillTable("targets", rows, "No targets");
      }
      // The instances bulwark run supervises; hidden under bulwark serve.
      function renderCache(data) {
        $("cache-section").hidden = !data.enabled;
        if (!data.enabled) return;
        $("cache-ratio").textContent = isNum(data.hit_ratio) ? "hit ratio " + pct(data.hit_ratio) : "no requests yet";
        fillTable("cache", (data.tiers || []).map(function (t) {
          return [str(t.tier), { text: str(t.state), cls: t.state === "in_use" ? "ok" : "warn" },
            isNum(t.entries) ? str(t.entries) : "\u2014", isNum(t.bytes) ? num(t.bytes / 1048576) + " MiB" : "\u2014",
            isNum(t.budget_bytes) ? num(t.budget_bytes / 1048576) + " MiB" : "\u2014", isNum(t.evictions) ? str(t.evictions) : "\u2014"];
        }), "No tiers");
      }
      function renderProcesses(data) {
        $("processes-section").hidden = !data.supervised;
        if (!data.supervised) return;
        var rows = [];
        (data.processes || []).forEach(function (g) {
          (g.members || []).forEach(function (m) {
            var state = m.state === "ready" ? "healthy" : (m.state === "given_up" ? "unhealthy" : "degraded");
            rows.push([str(m.id), str(m.port), m.pid === null ? "\u2014" : str(m.pid), { text: str(m.state), cls: healthClass(state) },
              isNum(m.uptime_seconds) ? num(m.uptime_seconds) + " s" : "\u2014", str(m.restarts),
              num(m.rss_bytes / 1048576) + " MiB", num(m.cpu_seconds),
              m.last_exit === null ? "\u2014" : str(m.last_exit) + (m.last_reason ? " (" + str(m.last_reason) + ")" : "")]);
          });
        });
        fillTable("processes", rows, "No instances");
      }
      \#(auditScript)
      \#(postgresScript)
      // What the gateway adds to the upstream's requests: a header's name, or the OAuth2 token's state.
      function credentialCell(c) {
        if (!c) return "\u2014";
        if (c.type === "header") return "header " + str(c.header);
        var failing = !!c.failing_since;
        if (!c.has_valid_token) return { text: failing ? "no token, refresh failing" : "fetching token", cls: failing ? "bad" : "muted" };
        var text = "token valid " + duration(c.token_expires_in_seconds);
        return failing ? { text: text + ", refresh failing", cls: "warn" } : { text: text, cls: "ok" };
      }
      function renderBreakers(data) {
        fillTable("breakers", (data.circuits || []).map(function (c) {
          return [str(c.name), { text: str(c.state), cls: healthClass(c.state) }, pct(c.failure_rate), str(c.calls)];
        }), "No circuit breakers");
      }
      function renderPerformance(data) {
        fillTable("performance", (data.routes || []).map(function (r) {
          return [str(r.route), str(r.count), pct(r.error_rate), num(r.p50_ms), num(r.p95_ms), num(r.p99_ms), str(r.rate_limited)];
        }), "No traffic yet");
      }
      function alertItem(a, withButton) {
        var li = el("li");
        li.appendChild(el("span", "badge sev-" + str(a.severity).toLowerCase(), str(a.severity)));
        li.appendChild(el("span", "rule", str(a.rule)));
        li.appendChild(el("span", "subject", str(a.subject)));
        var w = el("span", "when", withButton ? "since " + when(a.started_at)
          : when(a.started_at) + " \u2013 " + when(a.ended_at) + (a.resolved_by ? " (resolved by " + a.resolved_by + ")" : ""));
        w.title = str(a.started_at);
        li.appendChild(w);
        if (withButton) {
          var b = el("button", "resolve", "Resolve");
          b.type = "button";
          b.setAttribute("data-id", str(a.id));
          li.appendChild(b);
        }
        li.appendChild(el("span", "msg", str(a.message)));
        return li;
      }
      function renderAlerts(data) {
        var all = data.alerts || [];
        var open = all.filter(function (a) { return a.status === "open"; });
        var resolved = all.filter(function (a) { return a.status !== "open"; }).slice(0, 20);
        var ul = $("open-alerts");
        ul.textContent = "";
        if (!open.length) ul.appendChild(el("li", "none", "No open alerts"));
        open.forEach(function (a) { ul.appendChild(alertItem(a, true)); });
        $("resolved-count").textContent = String(resolved.length);
        var rl = $("resolved-list");
        rl.textContent = "";
        resolved.forEach(function (a) { rl.appendChild(alertItem(a, false)); });
      }
      $("alerts").addEventListener("click", async function (ev) {
        var b = ev.target && ev.target.closest ? ev.target.closest("button.resolve") : null;
        if (!b || b.disabled) return;
        b.disabled = true;
        b.textContent = "Resolving\u2026";
        try {
          var r = await request("/api/alerts/" + encodeURIComponent(b.getAttribute("data-id")) + "/resolve", "POST");
          sectionError("alerts", r.ok ? null : new ApiError("http", r.status, "resolve failed: HTTP " + r.status));
        } catch (e) { sectionError("alerts", e); }
        lastRendered.alerts = null;
        pollNow();
      });

      // ---- charts ----
      var SVG = "http://www.w3.org/2000/svg", COLORS = ["#2457c5", "#c62828", "#1a7f37", "#a86400"];
      function svgEl(tag, attrs, text) {
        var e = document.createElementNS(SVG, tag);
        for (var k in attrs) e.setAttribute(k, String(attrs[k]));
        if (text !== undefined) e.textContent = text;
        return e;
      }
      // series: [{label, samples: [{timestamp, value}]}]; draws lines, min/max axis labels and current values.
      function drawChart(container, series, unit) {
        var W = 320, H = 140, L = 42, R = 8, T = 22, B = 18;
        var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img" });
        svg.appendChild(svgEl("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "#fafbfc", stroke: "#dde1e6" }));
        var pts = [];
        series.forEach(function (s) {
          s.points = (s.samples || []).map(function (p, i) {
            var t = Date.parse(p.timestamp);
            return { t: isNaN(t) ? i : t, v: p.value };
          }).filter(function (p) { return isNum(p.v); });
          pts = pts.concat(s.points);
        });
        if (!pts.length) {
          svg.appendChild(svgEl("text", { x: L + (W - L - R) / 2, y: T + (H - T - B) / 2 + 4, "text-anchor": "middle", "class": "nodata" }, "no data yet"));
          container.textContent = "";
          container.appendChild(svg);
          return;
        }
        var vs = pts.map(function (p) { return p.v; }), ts = pts.map(function (p) { return p.t; });
        var vmin = Math.min.apply(null, vs), vmax = Math.max.apply(null, vs);
        var tmin = Math.min.apply(null, ts), tmax = Math.max.apply(null, ts);
        if (vmin > 0) vmin = 0;
        if (vmax <= vmin) vmax = vmin + 1;
        function x(t) { return tmax === tmin ? W - R : L + (t - tmin) / (tmax - tmin) * (W - L - R); }
        function y(v) { return T + (1 - (v - vmin) / (vmax - vmin)) * (H - T - B); }
        svg.appendChild(svgEl("text", { x: L - 4, y: T + 8, "text-anchor": "end" }, num(vmax)));
        svg.appendChild(svgEl("text", { x: L - 4, y: H - B, "text-anchor": "end" }, num(vmin)));
        if (tmax > 1e9 && tmax !== tmin) {
          svg.appendChild(svgEl("text", { x: L, y: H - 4 }, clock(new Date(tmin))));
          svg.appendChild(svgEl("text", { x: W - R, y: H - 4, "text-anchor": "end" }, clock(new Date(tmax))));
        }
        var cx = L;
        series.forEach(function (s, i) {
          var color = COLORS[i % COLORS.length];
          if (s.points.length) {
            var p = s.points.map(function (q) { return x(q.t).toFixed(1) + "," + y(q.v).toFixed(1); }).join(" ");
            svg.appendChild(svgEl("polyline", { points: p, fill: "none", stroke: color, "stroke-width": 1.5, "stroke-linejoin": "round" }));
            var last = s.points[s.points.length - 1];
            if (s.points.length === 1) svg.appendChild(svgEl("circle", { cx: x(last.t), cy: y(last.v), r: 2, fill: color }));
          }
          var label = (s.label ? s.label + " " : "") + (s.points.length ? num(s.points[s.points.length - 1].v) : "\u2014") + " " + unit;
          var txt = svgEl("text", { x: cx, y: 14, "class": "cur", fill: color, style: "fill:" + color }, label);
          svg.appendChild(txt);
          cx += label.length * 6.2 + 12;
        });
        container.textContent = "";
        container.appendChild(svg);
      }
      var CHARTS = [
        { id: "chart-requests", unit: "req/s", series: [{ name: "request_rate", label: "" }] },
        { id: "chart-latency", unit: "ms", series: [{ name: "latency_p95_ms", label: "p95" }, { name: "latency_p99_ms", label: "p99" }] },
        { id: "chart-errors", unit: "%", scale: 100, series: [{ name: "error_rate", label: "" }] },
        { id: "chart-ratelimit", unit: "rejections/s", series: [{ name: "rate_limited_rate", label: "" }] }
      ];
      function loadChart(c) {
        return Promise.all(c.series.map(function (s) {
          return getData("/api/metrics/" + s.name + "?window=15m").then(function (d) {
            var samples = (d.samples || []).map(function (p) {
              return { timestamp: p.timestamp, value: isNum(p.value) ? p.value * (c.scale || 1) : p.value };
            });
            return { label: s.label, samples: samples };
          }, function () { return { label: s.label, samples: [] }; });
        })).then(function (series) {
          if (changed(c.id, series)) drawChart($(c.id), series, c.unit);
        });
      }

      // ---- polling ----
      function setConnection(state) {
        var c = $("connection");
        c.textContent = state;
        c.className = "pill conn-" + state;
        c.setAttribute("data-state", state);
      }
      function section(id, path, render) {
        return getData(path).then(function (d) {
          sectionError(id, null);
          if (changed(id, d)) render(d);
        }, function (e) { sectionError(id, e); });
      }
      function schedule(ms) {
        if (timer) clearTimeout(timer);
        timer = setTimeout(poll, ms);
      }
      function pollNow() { schedule(0); }
      async function poll() {
        if (polling) { pollAgain = true; return; }
        polling = true;
        if (timer) { clearTimeout(timer); timer = null; }
        var connected = true;
        var health = request("/health").then(function (r) {
          sectionError("checks", null);
          renderHealth(r.data);
        }, function (e) {
          if (e.kind === "network" || e.kind === "parse") connected = false;
          sectionError("checks", e);
        });
        var tasks = [health,
          section("system", "/api/system", renderSystem),
          section("metrics", "/api/metrics", renderMetrics),
          section("targets", "/api/upstreams", renderTargets),
          section("processes", "/api/processes", renderProcesses),
          section("cache", "/api/cache", renderCache),
          section("breakers", "/api/circuits", renderBreakers),
          section("performance", "/api/performance", renderPerformance),
          section("alerts", "/api/alerts", renderAlerts),
          section("postgres", "/api/postgres", renderPostgres),
          auditPanel()
        ].concat(CHARTS.map(loadChart));
        await Promise.all(tasks.map(function (t) { return t.catch(function (e) { if (window.console) console.error(e); }); }));
        polling = false;
        if (connected) {
          failures = 0;
          setConnection("online");
          $("updated").textContent = "last updated " + clock(new Date());
          schedule(2000);
        } else {
          failures++;
          setConnection(failures >= 5 || navigator.onLine === false ? "offline" : "reconnecting");
          schedule(Math.min(1000 * Math.pow(2, failures - 1), 30000));
        }
        if (pollAgain) { pollAgain = false; pollNow(); }
      }
      $("token-button").addEventListener("click", function () {
        var t = window.prompt("Bulwark admin token");
        if (t && t.trim()) { setToken(t.trim()); tokenRejected = false; setAuth(""); pollNow(); }
      });
      window.addEventListener("online", pollNow);
      window.addEventListener("offline", function () { setConnection("offline"); });
      poll();
    })();
    """#
}
