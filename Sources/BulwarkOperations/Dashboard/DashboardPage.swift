/// The admin dashboard: one self-contained page (no CDN, works offline) served at `GET /` on the admin listener.
///
/// Plain HTML, CSS and vanilla JavaScript with inline SVG charts; it polls the admin JSON API
/// (`/health`, `/api/...`) every 2 s and renders each section independently. The TLS section shows
/// only when `/health` has a `tls` part (an HTTPS listener); the Audit section only with `audit:`;
/// the PostgreSQL section only with `postgres:` clusters.
enum DashboardPage {
    /// The page's HTML, CSS and JavaScript.
    static let html: String = #"""
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Bulwark</title>
    <style>
    \#(style)
    </style>
    </head>
    <body>
    <header>
      <h1>Bulwark</h1>
      <span id="status" class="pill st-unknown">UNKNOWN</span>
      <span>score <span id="score">-</span></span>
      <span id="ready" class="muted">-</span>
      <span id="draining" class="warn"></span>
      <span id="system" class="meta"></span>
      <span class="spacer"></span>
      <span id="auth-message"></span>
      <button id="token-button" type="button" hidden>Set token</button>
      <span id="connection" class="pill conn-reconnecting" data-state="reconnecting">reconnecting</span>
      <span id="updated" class="meta">last updated never</span>
    </header>
    <main>
      <section class="wide">
        <h2>Overview</h2>
        <div id="metrics" class="tiles"></div>
        <p class="err" id="err-metrics"></p>
      </section>
      <section class="wide">
        <h2>Traffic (last 15 minutes)</h2>
        <div class="charts">
          <div class="chart"><h3>Requests</h3><div id="chart-requests"></div></div>
          <div class="chart"><h3>Latency p95 / p99</h3><div id="chart-latency"></div></div>
          <div class="chart"><h3>Errors</h3><div id="chart-errors"></div></div>
          <div class="chart"><h3>Rate limited</h3><div id="chart-ratelimit"></div></div>
        </div>
      </section>
      <section class="wide">
        <h2>Alerts</h2>
        <div id="alerts"><ul class="alerts" id="open-alerts"></ul>
          <details id="resolved-alerts"><summary>Recently resolved (<span id="resolved-count">0</span>)</summary>
            <ul class="alerts" id="resolved-list"></ul></details></div>
        <p class="err" id="err-alerts"></p>
      </section>
      <section>
        <h2>Health checks</h2>
        <table id="checks"><thead><tr><th>Name</th><th>Kind</th><th>Status</th><th class="num">Latency</th><th>Message</th></tr></thead><tbody></tbody></table>
        <p class="err" id="err-checks"></p>
      </section>
      <section id="tls-section" hidden>
        <h2>TLS certificates</h2>
        <table id="tls"><thead><tr><th>Hosts</th><th>Expires</th><th class="num">Days left</th><th>Status</th></tr></thead><tbody></tbody></table>
        <p id="tls-failures" class="meta"></p>
      </section>
      <section>
        <h2>Targets</h2>
        <table id="targets"><thead><tr><th>Upstream</th><th>Address</th><th>Health</th><th>Breaker</th><th class="num">In flight</th><th class="num">Last probe</th><th>Credentials</th></tr></thead><tbody></tbody></table>
        <p class="err" id="err-targets"></p>
      </section>
      <section id="cache-section" hidden>
        <h2>Response cache <span class="muted" id="cache-ratio"></span></h2>
        <table id="cache"><thead><tr><th>Tier</th><th>State</th><th class="num">Entries</th><th class="num">Bytes</th><th class="num">Budget</th><th class="num">Evictions</th></tr></thead><tbody></tbody></table>
        <p class="err" id="err-cache"></p>
      </section>
      <section id="processes-section" hidden>
        <h2>Processes</h2>
        <table id="processes"><thead><tr><th>Instance</th><th class="num">Port</th><th class="num">PID</th><th>State</th><th class="num">Uptime</th><th class="num">Restarts</th><th class="num">RSS</th><th class="num">CPU s</th><th>Last exit</th></tr></thead><tbody></tbody></table>
        <p class="err" id="err-processes"></p>
      </section>
      \#(auditSection)
      \#(postgresSection)
      <section>
        <h2>Circuit breakers</h2>
        <table id="breakers"><thead><tr><th>Circuit</th><th>State</th><th class="num">Failure rate</th><th class="num">Calls</th></tr></thead><tbody></tbody></table>
        <p class="err" id="err-breakers"></p>
      </section>
      <section>
        <h2>Routes</h2>
        <table id="performance"><thead><tr><th>Route</th><th class="num">Count</th><th class="num">Errors</th><th class="num">p50 ms</th><th class="num">p95 ms</th><th class="num">p99 ms</th><th class="num">Rate limited</th></tr></thead><tbody></tbody></table>
        <p class="err" id="err-performance"></p>
      </section>
    </main>
    <script>
    \#(script)
    </script>
    </body>
    </html>
    """#
}
