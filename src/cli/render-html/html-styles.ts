/** The inline style sheet of the HTML pages: system fonts, no image, nothing fetched. */
export const HTML_STYLES = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa;
  --accent: #0969da; --critical: #82071e; --high: #cf222e; --medium: #9a6700; --low: #1a7f37; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--muted); margin: 0 0 12px; }
.notice { border: 1px solid var(--line); border-left: 4px solid var(--accent); background: var(--bg); padding: 8px 12px; margin: 8px 0; }
.notice.warn { border-left-color: var(--medium); }
.notice.error { border-left-color: var(--high); }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 150px; background: #fff; text-align: left; font: inherit; color: inherit; }
button.card { cursor: pointer; }
button.card:hover { border-color: var(--accent); }
.card-value { display: block; font-size: 22px; font-weight: 600; }
.card-label { display: block; color: var(--muted); font-size: 12px; }
.card-note { display: block; color: var(--muted); font-size: 11px; }
.card.zero .card-value { color: var(--muted); }
.sev-critical { color: var(--critical); font-weight: 600; }
.sev-high { color: var(--high); font-weight: 600; }
.sev-medium { color: var(--medium); }
.sev-low { color: var(--low); }
.toolbar { display: flex; gap: 8px; align-items: center; margin: 6px 0; flex-wrap: wrap; }
.toolbar input[type=search] { padding: 4px 8px; min-width: 280px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
.toolbar .count { color: var(--muted); }
button { font: inherit; }
.toolbar button, .pager button { padding: 3px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); cursor: pointer; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort=ascending]::after { content: " \\25B2"; font-size: 10px; }
th[aria-sort=descending]::after { content: " \\25BC"; font-size: 10px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
td.wrap { word-break: break-all; }
td.expander { width: 24px; }
td.expander button { border: none; background: none; cursor: pointer; padding: 0 4px; }
tr.detail > td { background: var(--bg); }
.pager { display: flex; gap: 8px; align-items: center; margin: 6px 0; color: var(--muted); }
details.section { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; }
details.section > summary { padding: 6px 10px; cursor: pointer; background: var(--bg); }
details.section > .section-body { padding: 8px 12px; }
.summary-note { color: var(--muted); margin-left: 8px; }
.failed { color: var(--high); }
.actions { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 8px; }
.actions ul { list-style: none; margin: 4px 0; padding: 0; max-height: 320px; overflow: auto; }
.actions li { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.used { color: var(--fg); }
.unused { color: var(--high); }
.unknown { color: var(--medium); }
.ungranted { color: var(--low); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
footer { color: var(--muted); margin-top: 32px; font-size: 12px; }
`;
