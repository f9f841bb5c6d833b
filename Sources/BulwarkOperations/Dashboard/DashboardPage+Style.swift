extension DashboardPage {
    /// The page's CSS, inlined into ``html``.
    static let style: String = #"""
    :root { --fg: #1d232b; --muted: #5f6b7a; --line: #dde1e6; --bg: #f5f6f8; --card: #fff;
      --ok: #1a7f37; --warn: #a86400; --bad: #c62828; --accent: #2457c5; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg);
      font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px; padding: 12px 20px;
      background: var(--card); border-bottom: 1px solid var(--line); }
    header h1 { font-size: 20px; margin: 0 8px 0 0; letter-spacing: .02em; }
    .pill { display: inline-block; padding: 2px 8px; border-radius: 10px; font-weight: 600; font-size: 12px;
      border: 1px solid currentColor; }
    #status { font-size: 14px; }
    .st-healthy, .ok { color: var(--ok); }
    .st-degraded, .warn { color: var(--warn); }
    .st-unhealthy, .bad { color: var(--bad); }
    .st-unknown, .muted { color: var(--muted); }
    #score { font-weight: 700; font-size: 18px; }
    .meta { color: var(--muted); font-size: 13px; }
    .spacer { flex: 1; }
    #connection[data-state="online"] { color: var(--ok); }
    #connection[data-state="reconnecting"] { color: var(--warn); }
    #connection[data-state="offline"] { color: var(--bad); }
    #auth-message { color: var(--bad); font-weight: 600; }
    #auth-message:empty { display: none; }
    main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; padding: 16px 20px; }
    section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; overflow-x: auto; }
    section.wide { grid-column: 1 / -1; }
    h2 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
    table { width: 100%; border-collapse: collapse; font-size: 13px; }
    th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { color: var(--muted); font-weight: 600; white-space: nowrap; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    td.empty { color: var(--muted); font-style: italic; }
    .err { color: var(--bad); font-size: 12px; margin: 4px 0 0; }
    .err:empty { display: none; }
    .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px; }
    .tile { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; }
    .tile .k { color: var(--muted); font-size: 11px; text-transform: uppercase; }
    .tile .v { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
    .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; }
    .chart h3 { font-size: 13px; margin: 0 0 4px; }
    .chart svg { width: 100%; height: auto; display: block; }
    .chart svg text { font-size: 10px; fill: var(--muted); font-family: inherit; }
    .chart svg text.cur { font-size: 11px; font-weight: 600; }
    .chart svg text.nodata { font-size: 12px; }
    .badge { display: inline-block; padding: 1px 6px; border-radius: 4px; font-size: 11px; font-weight: 700;
      text-transform: uppercase; color: #fff; background: var(--muted); }
    .sev-warning { background: var(--warn); }
    .sev-error { background: #d4581c; }
    .sev-critical { background: var(--bad); }
    ul.alerts { list-style: none; margin: 0; padding: 0; }
    ul.alerts li { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; padding: 6px 0; border-bottom: 1px solid var(--line); }
    ul.alerts .rule { font-weight: 600; }
    ul.alerts .msg { flex-basis: 100%; color: var(--fg); }
    ul.alerts .when { color: var(--muted); font-size: 12px; }
    button { font: inherit; font-size: 12px; padding: 2px 10px; border: 1px solid var(--line); border-radius: 4px;
      background: #fff; color: var(--accent); cursor: pointer; }
    button:hover { border-color: var(--accent); }
    button:disabled { color: var(--muted); cursor: default; }
    button.resolve { margin-left: auto; }
    details summary { cursor: pointer; color: var(--muted); margin-top: 8px; }
    .none { color: var(--muted); font-style: italic; }
    """#
}
