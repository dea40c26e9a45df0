// The dashboard's browser code, inlined into the page by dashboard-page.ts. It lives in a TS
// string rather than a file read at run time so that it ships inside dist/ with nothing to copy
// or locate (the npm package holds dist/ and proto/ only). Rules for editing it: no backquotes
// and no dollar-brace in the code (it sits in a template literal), and every value from the
// server reaches the page through textContent, never innerHTML (node ids and errors are input).

/** Client-side script of the dashboard page (plain ES2017, no dependencies). */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var POLL_MS = 1000, HISTORY_POLL_MS = 5000, SPAN_MS = 600000;
  var COLORS = ['#4cc9f0', '#f72585', '#ffd166', '#06d6a0', '#b388ff', '#ff8c42'];
  // The serving node's samples of the last 10 minutes (/api/series, kept by the node), so the
  // charts are full the moment the page opens; later polls fetch only newer samples.
  var samples = [];

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }
  function row(cells, cls) {
    var tr = el('tr', cls);
    cells.forEach(function (c) { var td = el('td'); if (c instanceof Node) td.appendChild(c); else td.textContent = String(c); tr.appendChild(td); });
    return tr;
  }
  function fill(id, children) { var box = $(id); box.replaceChildren.apply(box, children); }
  function getJson(path) {
    return fetch(path, { cache: 'no-store' }).then(function (r) {
      if (!r.ok) { var e = new Error(path + ': HTTP ' + r.status); e.status = r.status; throw e; }
      return r.json();
    });
  }
  function mib(n) { return (n / 1048576).toFixed(1) + ' MiB'; }
  function mode(s) { return (s.commitMode || '?') + (s.effectiveCommitMode && s.effectiveCommitMode !== s.commitMode ? ' → ' + s.effectiveCommitMode : ''); }

  function nodeCard(m, leaderId) {
    var s = m.status;
    var card = el('div', 'node');
    card.setAttribute('data-node-id', m.id);
    card.setAttribute('data-role', s ? s.role : 'unreachable');
    if (!s) card.classList.add('down');
    else if (s.role === 'leader') card.classList.add('leader');
    var head = el('div', 'node-head');
    head.appendChild(el('span', 'node-id', m.id));
    if (!s) {
      // One line: who, and why it did not answer (shortened; the whole error in the tooltip).
      var why = String(m.error || 'no answer');
      var line = el('span', 'err', 'unreachable (' + (why.length > 80 ? why.slice(0, 79) + '…' : why) + ')');
      line.title = why;
      head.appendChild(line);
      card.appendChild(head);
      return card;
    }
    head.appendChild(el('span', 'badge role-' + s.role, s.role));
    card.appendChild(head);
    card.appendChild(el('div', 'addr', m.address || s.address || ''));
    var dl = el('dl');
    [['term', s.term], ['commit', s.commitIndex], ['applied', s.appliedIndex], ['last', s.lastIndex === undefined ? '–' : s.lastIndex],
     ['quorum', s.hasQuorum ? 'yes' : 'lost'], ['mode', mode(s)], ['leader', s.leader || 'none']].forEach(function (kv) {
      dl.appendChild(el('dt', null, kv[0]));
      var dd = el('dd', null, kv[1]);
      if (kv[0] === 'quorum' && !s.hasQuorum) dd.className = 'bad';
      if (kv[0] === 'leader' && s.leader !== leaderId) dd.className = 'warn';
      dl.appendChild(dd);
    });
    card.appendChild(dl);
    if (s.syncDegraded) card.appendChild(el('div', 'warn', 'sync degraded'));
    card.appendChild(el('div', 'disk', 'disk: data ' + mib(s.backendBytes || 0) + ', WAL ' + mib(s.walBytes || 0) +
      ' · fsync p99 ' + (Number(s.walFsyncP99Ms) > 0 ? Number(s.walFsyncP99Ms) + ' ms' : '–')));
    if (s.quotaBackendBytes) {
      var pct = Math.round(100 * (s.backendBytes || 0) / s.quotaBackendBytes);
      card.appendChild(el('div', pct >= 80 ? 'warn' : null, 'storage ' + mib(s.backendBytes || 0) + ' of ' + mib(s.quotaBackendBytes) + ' quota (' + pct + '%)'));
    }
    // Data safety, on the member doing it: the continuous archive and the last scheduled backup.
    if (s.archiveActive) card.appendChild(el('div', s.archiveLagSeconds > 30 ? 'warn' : 'addr', 'archive: revision ' + s.archiveLastRevision + ', lag ' + Number(s.archiveLagSeconds).toFixed(1) + ' s'));
    if (Number(s.lastBackupAtMs) > 0) {
      var when = new Date(Number(s.lastBackupAtMs)).toISOString().replace('T', ' ').slice(0, 19);
      card.appendChild(el('div', s.lastBackupError ? 'err' : 'addr', 'last backup: ' + when + (s.lastBackupError ? ' FAILED: ' + s.lastBackupError : ', revision ' + s.lastBackupRevision)));
    }
    return card;
  }

  function lagTable(leader) {
    var rows = [];
    var followers = leader ? leader.followers || [] : [];
    var max = Math.max(100, Math.max.apply(null, followers.map(function (f) { return f.lagEntries; }).concat([0])));
    followers.forEach(function (f) {
      var bar = el('div', 'bar');
      var inner = el('div', 'bar-fill' + (f.lagEntries > 1000 ? ' bad' : f.lagEntries > 100 ? ' warn' : ''));
      inner.style.width = Math.max(f.lagEntries > 0 ? 1 : 0, Math.round(100 * f.lagEntries / max)) + '%';
      bar.appendChild(inner);
      rows.push(row([f.id, f.matchIndex, f.lagEntries, bar, f.lastContactMs === undefined ? '–' : f.lastContactMs + ' ms', f.state || '']));
    });
    if (rows.length === 0) rows.push(row([leader ? 'no followers' : 'no leader reachable', '', '', '', '', '']));
    return rows;
  }

  function addSamples(series) {
    var last = samples.length ? samples[samples.length - 1].t : 0;
    (series.samples || []).forEach(function (x) { if (x.t > last) samples.push(x); });
    var oldest = Date.now() - SPAN_MS;
    while (samples.length > 0 && samples[0].t < oldest) samples.shift();
  }

  // lines: { name: [[t, value], ...] }; values null are gaps.
  function drawChart(id, legendId, lines, label, now) {
    var W = 640, H = 150, L = 48, B = 20;
    var names = Object.keys(lines).sort();
    var max = 0;
    names.forEach(function (n) { lines[n].forEach(function (p) { if (p[1] !== null && p[1] > max) max = p[1]; }); });
    max = max > 0 ? max * 1.1 : 1;
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: '100%', role: 'img', 'aria-label': label });
    [0, 0.5, 1].forEach(function (q) {
      var y = 5 + (H - B - 5) * (1 - q);
      root.appendChild(svg('line', { x1: L, x2: W, y1: y, y2: y, class: 'grid' }));
      var t = svg('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' });
      t.textContent = max * q >= 10 ? String(Math.round(max * q)) : (max * q).toFixed(1);
      root.appendChild(t);
    });
    var xl = svg('text', { x: L, y: H - 4, class: 'axis' }); xl.textContent = '-' + SPAN_MS / 60000 + ' min';
    var xr = svg('text', { x: W, y: H - 4, 'text-anchor': 'end', class: 'axis' }); xr.textContent = 'now (' + label + ')';
    root.appendChild(xl); root.appendChild(xr);
    names.forEach(function (n, i) {
      var pts = lines[n].filter(function (p) { return p[1] !== null; }).map(function (p) {
        var x = L + (W - L) * Math.max(0, 1 - (now - p[0]) / SPAN_MS);
        return x.toFixed(1) + ',' + (5 + (H - B - 5) * (1 - p[1] / max)).toFixed(1);
      });
      if (pts.length > 0) root.appendChild(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 2 }));
    });
    fill(id, [root]);
    if (legendId) fill(legendId, names.map(function (n, i) { var e = el('span', 'legend', n); e.style.borderColor = COLORS[i % COLORS.length]; return e; }));
  }

  function drawCharts(now) {
    var lag = {};
    samples.forEach(function (x) { Object.keys(x.lagEntries || {}).forEach(function (id) { (lag[id] = lag[id] || []).push([x.t, x.lagEntries[id]]); }); });
    var pick = function (k) { return samples.map(function (x) { return [x.t, x[k] === undefined ? null : x[k]]; }); };
    drawChart('lag-chart', 'lag-legend', lag, 'entries behind leader', now);
    drawChart('throughput-chart', null, { applied: pick('appliedPerSecond') }, 'entries applied/s', now);
    drawChart('requests-chart', null, { requests: pick('requestsPerSecond') }, 'requests/s', now);
    drawChart('latency-chart', null, { p99: pick('requestP99Ms') }, 'request p99 ms', now);
    $('series-node').textContent = samples.length ? 'as node ' + seriesNode + ' saw it, ' + samples.length + ' s' : 'no samples yet';
  }
  var seriesNode = '';

  function render(members) {
    var now = Date.now();
    var leaders = members.filter(function (m) { return m.status && m.status.role === 'leader'; });
    leaders.sort(function (a, b) { return b.status.term - a.status.term; });
    var leader = leaders.length > 0 ? leaders[0].status : null;
    var summary = leader
      ? 'leader ' + leader.id + ' · term ' + leader.term + ' · mode ' + mode(leader) + ' · quorum ' + (leader.hasQuorum ? 'yes' : 'lost')
      : 'quorum lost: no leader';
    $('summary').textContent = summary;
    $('summary').className = leader && leader.hasQuorum ? 'ok' : 'bad';
    var alarms = [];
    members.forEach(function (m) { (m.status && m.status.alarms || []).forEach(function (a) { alarms.push(m.id + ': ' + a); }); });
    if (leaders.length > 1) alarms.push(leaders.length + ' nodes claim leadership: ' + leaders.map(function (m) { return m.id + ' (term ' + m.status.term + ')'; }).join(', '));
    fill('alarms', alarms.map(function (a) { return el('div', 'alarm', a); }));
    fill('nodes', members.map(function (m) { return nodeCard(m, leader ? leader.id : ''); }));
    fill('lag-rows', lagTable(leader));
    $('updated').textContent = 'updated ' + new Date(now).toLocaleTimeString();
    $('updated').className = '';
  }

  function renderHistory(events) {
    var rows = events.slice(0, 20).map(function (e) {
      if (e.kind === 'quorum-loss') {
        return row([e.regainedTerm, (e.lastLeader || '–') + ' → (no quorum)', 'quorum lost (' + e.cause + ')',
          e.startedAtMs ? new Date(e.startedAtMs).toLocaleString() : '–', Math.round(e.durationMs) + ' ms']);
      }
      return row([e.term, (e.from || '–') + ' → ' + (e.to || '–'), e.reason, e.detectedAtMs ? new Date(e.detectedAtMs).toLocaleString() : '–',
        e.unavailableMs ? Math.round(e.unavailableMs) + ' ms' : '–']);
    });
    if (rows.length === 0) rows.push(row(['no leadership changes or quorum losses recorded', '', '', '', '']));
    fill('history-rows', rows);
  }

  function pollSeries() {
    var since = samples.length ? samples[samples.length - 1].t : 0;
    getJson('/api/series?since=' + since).then(function (series) {
      seriesNode = String(series.node || '');
      addSamples(series);
      drawCharts(Date.now());
    }, function (err) {
      $('series-node').textContent = 'charts unavailable: ' + err.message;
    }).then(function () { setTimeout(pollSeries, POLL_MS); });
  }
  function poll() {
    getJson('/api/status').then(render, function (err) {
      $('updated').textContent = 'status unavailable: ' + err.message;
      $('updated').className = 'bad';
    }).then(function () { setTimeout(poll, POLL_MS); });
  }
  function pollHistory() {
    getJson('/api/history').then(renderHistory, function (err) {
      fill('history-rows', [row([err.status === 404 ? 'history not served by this node' : 'history unavailable: ' + err.message, '', '', '', ''])]);
    }).then(function () { setTimeout(pollHistory, HISTORY_POLL_MS); });
  }
  poll();
  pollSeries();
  pollHistory();
})();
`;
