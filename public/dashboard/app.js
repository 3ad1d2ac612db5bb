// Olla's read-only dashboard: polls the status routes every two seconds and redraws.
// Every value from the server is written with textContent, never as HTML, because endpoint and
// model names come from config files and backends.

const POLL_MS = 2000;
const SVG_NS = 'http://www.w3.org/2000/svg';
const CHART_W = 600;
const CHART_H = 120;
/** Seconds averaged for the headline request rate (the current second is still filling). */
const RATE_WINDOW = 5;
/** Newest events listed; the server keeps a few more. */
const EVENTS_SHOWN = 20;

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function setText(id, value) {
  const node = $(id);
  if (node.textContent !== String(value)) node.textContent = String(value);
}

function formatRate(value) {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatCount(value) {
  return Number(value).toLocaleString('en-AU');
}

// --- charts ---------------------------------------------------------------------------------

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

function points(values, max) {
  const step = values.length > 1 ? CHART_W / (values.length - 1) : CHART_W;
  return values.map((v, i) => [i * step, CHART_H - (max > 0 ? (v / max) * (CHART_H - 4) : 0)]);
}

function linePath(pts) {
  return pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
}

function niceMax(value) {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (value <= m * magnitude) return m * magnitude;
  return 10 * magnitude;
}

/** Draws a filled main series with an optional overlay line, all scaled to the same maximum. */
function drawChart(svg, main, overlay, overlayClass) {
  const max = niceMax(Math.max(0, ...main, ...(overlay ?? [])));
  clear(svg);
  for (const fraction of [0.25, 0.5, 0.75]) {
    const y = CHART_H - fraction * (CHART_H - 4);
    svg.appendChild(svgEl('line', { x1: 0, x2: CHART_W, y1: y, y2: y, class: 'gridline' }));
  }
  const mainPts = points(main, max);
  const area = `${linePath(mainPts)}L${CHART_W},${CHART_H}L0,${CHART_H}Z`;
  svg.appendChild(svgEl('path', { d: area, class: 'series-area' }));
  svg.appendChild(svgEl('path', { d: linePath(mainPts), class: 'series-line' }));
  if (overlay) svg.appendChild(svgEl('path', { d: linePath(points(overlay, max)), class: overlayClass }));
  return max;
}

function renderSeries(data) {
  const { series } = data;
  const requestsMax = drawChart($('chart-requests'), series.requests, series.errors, 'series-errors');
  setText('chart-requests-max', `max ${requestsMax}/s`);
  const latencyMax = drawChart($('chart-latency'), series.avg_latency_ms, series.max_latency_ms, 'series-max');
  setText('chart-latency-max', `max ${latencyMax} ms`);

  const done = series.requests.slice(-RATE_WINDOW - 1, -1);
  const rate = done.length > 0 ? done.reduce((a, b) => a + b, 0) / done.length : 0;
  setText('rate', formatRate(rate));
  renderEvents(data.events);
}

// --- panels ---------------------------------------------------------------------------------

function renderStatus(status) {
  const sys = status.system;
  const pill = $('system-status');
  pill.dataset.state = sys.status;
  setText('system-status', sys.status);
  setText('version', `v${sys.version}`);
  setText('proxy-info', `${status.proxy.engine} · ${status.proxy.balancer}`);
  setText('uptime', `up ${sys.uptime}`);
  setText('success', sys.success_rate);
  setText('latency', sys.avg_latency);
  setText('connections', formatCount(sys.active_connections));
  setText('requests', formatCount(sys.total_requests));
  setText('failures', formatCount(sys.total_failures));
  setText('failovers', formatCount(sys.failovers ?? 0));
  setText('endpoints-up', sys.endpoints_up);
}

function cell(row, text, className) {
  const td = el('td', className, text);
  row.appendChild(td);
  return td;
}

function renderEndpoints(data) {
  setText(
    'endpoint-counts',
    `${data.healthy_count} healthy · ${data.routable_count} routable · ${data.total_count} total`,
  );
  const busiest = Math.max(1, ...data.endpoints.map((e) => e.request_count));
  const rows = data.endpoints.map((ep) => {
    const row = el('tr');
    row.id = `ep-${ep.id}`;
    const name = cell(row, '');
    name.appendChild(el('div', 'ep-name', ep.name));
    name.appendChild(el('div', 'ep-url', `${ep.type} · ${ep.url}`));
    const status = cell(row, '');
    const dot = el('span', 'dot');
    dot.dataset.status = ep.status;
    status.append(dot, ep.status);
    if (ep.issues) status.appendChild(el('div', 'ep-url', ep.issues));
    // Why the node is out of rotation (the last probe's answer or the failed request), so the owner
    // need not go to the logs; long messages are cut by the stylesheet and whole in the tooltip.
    if (ep.last_error) {
      const reason = el('div', 'ep-error', ep.last_error);
      reason.title = ep.last_error;
      status.appendChild(reason);
    }
    cell(row, ep.priority, 'num');
    cell(row, formatCount(ep.active_connections), 'num');
    const requests = cell(row, formatCount(ep.request_count), 'num');
    const bar = el('div', 'bar');
    const fill = el('span');
    fill.style.width = `${Math.round((ep.request_count / busiest) * 100)}%`;
    bar.appendChild(fill);
    requests.appendChild(bar);
    cell(row, ep.success_rate, 'num');
    cell(row, ep.avg_latency_ms === undefined ? '–' : `${ep.avg_latency_ms} ms`, 'num');
    cell(row, ep.model_count, 'num');
    cell(row, ep.health_check ? `${ep.health_check}${ep.response_time ? ` · ${ep.response_time}` : ''}` : 'never');
    return row;
  });
  $('endpoints').tBodies[0].replaceChildren(...rows);
}

function renderModels(data) {
  setText('model-counts', `${data.total_models} on ${data.total_endpoints} endpoints`);
  const models = Object.values(data.models_by_family).flat();
  const byName = new Map(data.recent_models.map((m) => [m.name, m]));
  const items = [...new Set(models)].sort().map((name) => {
    const li = el('li');
    li.appendChild(el('div', 'model-name', name));
    const info = byName.get(name);
    const meta = [info?.family, info?.params, info?.quant, info?.size].filter(Boolean).join(' · ');
    if (meta) li.appendChild(el('div', 'muted', meta));
    for (const endpoint of info?.endpoints ?? []) li.appendChild(el('span', 'chip', endpoint));
    return li;
  });
  if (items.length === 0) items.push(el('li', 'muted', 'No models discovered yet.'));
  $('models').replaceChildren(...items);
}

function renderEvents(events) {
  if (events.length === 0) return;
  const items = events
    .slice(-EVENTS_SHOWN)
    .reverse()
    .map((event) => {
      const li = el('li');
      const time = el('time', '', new Date(event.at).toLocaleTimeString('en-AU', { hour12: false }));
      time.dateTime = new Date(event.at).toISOString();
      li.appendChild(time);
      if (event.kind === 'failover') {
        li.appendChild(el('span', 'event-failover', 'failover '));
        const route = event.from ? `${event.from} → ${event.to ?? 'none'}` : `to ${event.to ?? 'none'}`;
        const outcome = event.failed ? ' (still failed)' : '';
        li.append(
          `${route}${event.model ? ` · ${event.model}` : ''} · ${event.retries} retr${event.retries === 1 ? 'y' : 'ies'}${outcome}`,
        );
      } else {
        li.appendChild(el('span', 'event-health', 'health '));
        li.append(`${event.endpoint}: ${event.from} → ${event.to}${event.detail ? ` (${event.detail})` : ''}`);
      }
      return li;
    });
  $('events').replaceChildren(...items);
}

// --- polling --------------------------------------------------------------------------------

const panels = [
  ['/internal/status', renderStatus],
  ['/internal/status/endpoints', renderEndpoints],
  ['/internal/status/models', renderModels],
  ['/internal/ui/api/series?seconds=600', renderSeries],
];

let lastSuccess = Date.now();

async function poll() {
  const results = await Promise.allSettled(panels.map(([path, render]) => getJson(path).then(render)));
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length === 0) lastSuccess = Date.now();
  else
    console.warn(
      'dashboard poll failed',
      failed.map((r) => String(r.reason)),
    );
  $('stale').hidden = Date.now() - lastSuccess < POLL_MS * 3;
}

async function loop() {
  // Hidden tabs poll rarely; the first poll after the tab comes back happens at once.
  await poll();
  setTimeout(loop, document.hidden ? POLL_MS * 5 : POLL_MS);
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) poll();
});

loop();
