// The live dashboard served at `/`: one self-contained page (inline CSS and script, no external
// resource, no build step). A TS module rather than an .html file read at startup, because the
// published package and the container image carry dist/ only: nothing to locate or copy.
import { DASHBOARD_SCRIPT } from './dashboard-script.js';

const STYLE = `
  :root { color-scheme: dark; --bg: #11151c; --panel: #1a202b; --line: #2a3342; --text: #d8dee9; --dim: #8a94a6;
          --ok: #3ddc84; --warn: #ffb020; --bad: #ff5c5c; --accent: #4cc9f0; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--text); }
  header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 18px; margin: 0; }
  #summary { font-weight: 600; }
  #updated { margin-left: auto; color: var(--dim); font-size: 12px; }
  main { padding: 16px 20px; display: grid; gap: 16px; }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--dim); margin: 0 0 10px; }
  #nodes { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px; }
  .node { border: 2px solid var(--line); border-radius: 8px; padding: 10px 12px; background: var(--bg); }
  .node.leader { border-color: var(--ok); box-shadow: 0 0 0 1px var(--ok) inset; }
  .node.down { border-color: var(--bad); opacity: .8; }
  .node-head { display: flex; justify-content: space-between; align-items: center; }
  .node-id { font-size: 16px; font-weight: 700; }
  .addr { color: var(--dim); font-size: 12px; margin-bottom: 6px; }
  .badge { font-size: 11px; padding: 2px 8px; border-radius: 10px; background: var(--line); }
  .role-leader { background: var(--ok); color: #08140c; font-weight: 700; }
  .role-candidate, .role-pre-candidate { background: var(--warn); color: #1a1200; }
  .role-down { background: var(--bad); color: #1a0000; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0; }
  dt { color: var(--dim); } dd { margin: 0; font-variant-numeric: tabular-nums; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
  th { color: var(--dim); font-weight: 500; }
  .bar { width: 220px; height: 10px; background: var(--line); border-radius: 5px; overflow: hidden; }
  .bar-fill { height: 100%; background: var(--accent); }
  .bar-fill.warn { background: var(--warn); } .bar-fill.bad { background: var(--bad); }
  .ok { color: var(--ok); } .warn { color: var(--warn); } .bad, .err { color: var(--bad); }
  .alarm { background: var(--bad); color: #1a0000; font-weight: 700; padding: 6px 10px; border-radius: 6px; margin-bottom: 6px; }
  .legend { display: inline-block; margin-right: 14px; padding-left: 6px; border-left: 12px solid; font-size: 12px; }
  .chart { max-width: 760px; } h3 { font-size: 12px; color: var(--dim); margin: 8px 0 2px; font-weight: 500; }
  .dim { color: var(--dim); text-transform: none; letter-spacing: 0; } .disk { color: var(--dim); font-size: 12px; }
  svg .grid { stroke: var(--line); } svg .axis { fill: var(--dim); font-size: 10px; }
`;

/** The complete dashboard page. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>raftdb dashboard</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>raftdb</h1><span id="summary">loading…</span><span id="updated"></span></header>
<main>
  <div id="alarms"></div>
  <section><h2>Nodes</h2><div id="nodes"></div></section>
  <section><h2>Replication (leader's view)</h2>
    <table><thead><tr><th>follower</th><th>match</th><th>lag (entries)</th><th></th><th>last contact</th><th>state</th></tr></thead>
    <tbody id="lag-rows"></tbody></table>
  </section>
  <section><h2>Last 10 minutes <span id="series-node" class="dim"></span></h2>
    <h3>Replication lag</h3><div id="lag-chart" class="chart"></div><div id="lag-legend"></div>
    <h3>Throughput</h3><div id="throughput-chart" class="chart"></div>
    <h3>Request rate</h3><div id="requests-chart" class="chart"></div>
    <h3>Request latency p99</h3><div id="latency-chart" class="chart"></div>
  </section>
  <section><h2>Recent failovers and quorum losses</h2>
    <table><thead><tr><th>term</th><th>from → to</th><th>reason</th><th>detected</th><th>unavailable</th></tr></thead>
    <tbody id="history-rows"></tbody></table>
  </section>
</main>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
