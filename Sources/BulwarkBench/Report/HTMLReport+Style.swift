extension HTMLReport {
    /// The page's CSS, inlined into the `<head>`; system fonts only.
    static let style: String = #"""
    :root { --fg: #1d232b; --muted: #5f6b7a; --line: #dde1e6; --bg: #f5f6f8; --card: #fff;
      --ok: #1a7f37; --warn: #a86400; --bad: #c62828; --accent: #2457c5; }
    * { box-sizing: border-box; }
    body { margin: 0; background: var(--bg); color: var(--fg);
      font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 12px 20px;
      background: var(--card); border-bottom: 1px solid var(--line); }
    header h1 { font-size: 20px; margin: 0; }
    header .target { font-family: ui-monospace, monospace; color: var(--muted); overflow-wrap: anywhere; }
    .pill { display: inline-block; padding: 2px 10px; border-radius: 10px; font-weight: 700; font-size: 13px;
      border: 1px solid currentColor; }
    .ok { color: var(--ok); }
    .bad { color: var(--bad); font-weight: 700; }
    main { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; padding: 16px 20px;
      max-width: 1280px; margin: 0 auto; }
    section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px;
      min-width: 0; overflow-x: auto; }
    section.wide { grid-column: 1 / -1; }
    section.warning { background: #fff8e6; border: 2px solid var(--warn); }
    section.warning h2 { color: var(--warn); }
    section.warning ul { margin: 0; padding-left: 18px; }
    section.warning li { margin: 4px 0; }
    section.warning .kind { font-family: ui-monospace, monospace; font-weight: 700; color: var(--warn); }
    h2 { font-size: 14px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
    dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 6px 16px; margin: 0; }
    dl.facts dt { color: var(--muted); font-size: 12px; text-transform: uppercase; }
    dl.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
    table { width: 100%; border-collapse: collapse; font-size: 13px; margin-bottom: 8px; }
    th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { color: var(--muted); font-weight: 600; white-space: nowrap; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    td.empty, .none { color: var(--muted); font-style: italic; }
    tr.fail td { background: #fdecec; }
    code { font-family: ui-monospace, monospace; }
    figure.chart { margin: 0 0 18px; }
    figure.chart figcaption { font-weight: 600; margin-bottom: 2px; }
    figure.chart .unit { color: var(--muted); font-weight: 400; }
    svg.chart-svg { width: 100%; height: auto; display: block; }
    svg.chart-svg text { font-size: 11px; fill: var(--muted); font-family: inherit; }
    svg.chart-svg .grid { stroke: #eef0f3; stroke-width: 1; }
    svg.chart-svg .baseline, svg.chart-svg .tick { stroke: #9aa4b1; stroke-width: 1; }
    svg.chart-svg .no-data { font-size: 13px; font-style: italic; }
    svg.chart-svg .stage-marker line { stroke: #7b8594; stroke-width: 1; stroke-dasharray: 3 3; }
    svg.chart-svg .stage-marker text { fill: var(--fg); font-size: 11px; font-weight: 600; }
    svg.chart-svg .band-label { fill: var(--fg); }
    .st-closed { fill: #5cb85c; background: #5cb85c; }
    .st-half-open { fill: #f0ad4e; background: #f0ad4e; }
    .st-open { fill: #d9534f; background: #d9534f; }
    .st-unknown { fill: #c3c9d1; background: #c3c9d1; }
    ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 2px 0 0; padding: 0 0 0 104px;
      font-size: 12px; color: var(--muted); }
    ul.legend li { display: flex; align-items: center; gap: 6px; }
    ul.legend .swatch { display: inline-block; width: 18px; height: 3px; }
    ul.legend .swatch.st-closed, ul.legend .swatch.st-half-open, ul.legend .swatch.st-open { height: 10px; }
    ul.legend .swatch.stage { height: 0; border-top: 2px dashed #7b8594; }
    """#
}
