// The local dashboard's page: polls GET /_dashboard/state and draws, in this order, the headline, the firing
// alarms, the charts (uPlot), the per-provider health panel and the OK alarms folded per provider.

const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];
const SYMBOL = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};
const AXIS_FONT = '12px system-ui, sans-serif';
const AXIS_GAP = 5;
const TICK_SIZE = 6;
const plots = new Map();
/** Provider groups the reader opened: kept open across refreshes. */
const opened = new Set();

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

// --- Number formats: units on every value, no thousands separators to clip --------------------------------------

/** Up to three significant digits, no trailing zeros: 1.5, 2, 120, 0.25. */
const short = (v) => String(Number(Number(v).toPrecision(3)));

const DURATIONS = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

/** A duration in ms as on-call reads it: `250 ms`, `1.5 s`, `2 min`, `3 h`. */
function formatDuration(ms) {
  if (ms === 0) return '0';
  for (const [size, unit] of DURATIONS) if (Math.abs(ms) >= size) return `${short(ms / size)} ${unit}`;
  return `${short(ms)} ms`;
}

/** A count: `120`, `1.5k`, `2M`. */
function formatCount(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${short(v / 1e6)}M`;
  if (a >= 1e4) return `${short(v / 1e3)}k`;
  return short(v);
}

/** A value in a rule's or chart's unit. */
function formatValue(v, unit) {
  if (v === null || v === undefined) return '–';
  if (unit === 'ms') return formatDuration(v);
  if (unit === 's') return formatDuration(v * 1000);
  if (unit === '%') return `${short(v)} %`;
  if (unit === 'days') return `${short(v)} d`;
  return formatCount(v);
}

/** Whole-number tick steps for counts (no half a request). */
const COUNT_INCRS = [1, 2, 5].flatMap((m) => Array.from({ length: 10 }, (_, e) => m * 10 ** e)).sort((a, b) => a - b);

// Tick steps in the unit's own sizes, so a duration axis reads 30 s, 1 min, 2 min rather than 100000 ms.
const DURATION_INCRS = [
  1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5,
  108e5, 216e5, 432e5, 864e5,
];

let measureContext;
function textWidth(text) {
  measureContext ??= document.createElement('canvas').getContext('2d');
  measureContext.font = AXIS_FONT;
  return measureContext.measureText(text).width;
}

/** The y axis of a chart: formatted ticks, wide enough for the widest one (recorded on the box for tests). */
function valueAxis(chart, box) {
  const unit = chart.unit === 's' ? 'ms' : chart.unit;
  return {
    font: AXIS_FONT,
    gap: AXIS_GAP,
    ticks: { size: TICK_SIZE },
    incrs: unit === 'ms' ? DURATION_INCRS : unit === '%' ? undefined : COUNT_INCRS,
    values: (_u, splits) => {
      const labels = splits.map((v) => formatValue(v, unit));
      box.setAttribute('data-y-splits', JSON.stringify(splits));
      box.setAttribute('data-y-ticks', JSON.stringify(labels));
      return labels;
    },
    size: (_u, values) => {
      const widest = Math.max(0, ...(values ?? []).map(textWidth));
      const size = Math.ceil(widest) + AXIS_GAP + TICK_SIZE + 4;
      box.setAttribute('data-y-axis-size', String(size));
      return size;
    },
  };
}

// --- Alarms ------------------------------------------------------------------------------------------------------

function since(ms, now) {
  return formatDuration(Math.max(0, Math.round((now - ms) / 1000) * 1000));
}

function alarmRow(a, now) {
  const period = formatDuration(a.periodSeconds * 1000);
  const when = `${SYMBOL[a.comparison]} ${formatValue(a.threshold, a.unit)} in ${a.datapointsToAlarm} of ${a.evaluationPeriods} × ${period}`;
  return el(
    'tr',
    {
      'data-alarm': a.key,
      'data-rule': a.id,
      'data-subject': a.subject,
      'data-provider': a.provider,
      'data-state': a.state,
      title: a.summary,
    },
    el('td', {}, el('span', { class: 'state' }, a.state)),
    el('td', {}, a.title),
    el('td', {}, a.subject),
    el('td', {}, formatValue(a.value, a.unit)),
    el('td', {}, when),
    el('td', {}, since(a.since, now)),
    el('td', {}, el('a', { href: a.runbookUrl, target: '_blank', rel: 'noopener' }, a.runbook)),
  );
}

function alarmTable(alarms, now) {
  const head = el(
    'tr',
    {},
    ...['State', 'Alarm', 'Subject', 'Latest', 'Fires when', 'For', 'Runbook'].map((h) => el('th', {}, h)),
  );
  return el('table', {}, el('thead', {}, head), el('tbody', {}, ...alarms.map((a) => alarmRow(a, now))));
}

function renderHeader(state) {
  const { summary } = state;
  const header = document.getElementById('header');
  header.setAttribute('data-state', summary.firing > 0 ? 'ALARM' : 'OK');
  const headline = document.getElementById('headline');
  headline.textContent = summary.headline;
  headline.title = summary.headline;
  document.getElementById('meta').textContent =
    `time scale ×${state.timeScale} · updated ${new Date(state.now).toLocaleTimeString()}`;
}

function renderFiring(state) {
  const firing = state.alarms
    .filter((a) => a.state === 'ALARM')
    .sort((a, b) => a.since - b.since || a.key.localeCompare(b.key));
  document.getElementById('firing-count').textContent = `(${firing.length})`;
  const list = document.querySelector('#firing .list');
  list.replaceChildren(
    firing.length > 0 ? alarmTable(firing, state.now) : el('div', { class: 'none' }, 'Nothing is firing.'),
  );
}

/** One provider's OK alarms: a line saying how many, opened on demand (and kept open across refreshes). */
function foldedGroup(g, ok, now) {
  const rows = ok.filter((a) => (a.provider ?? 'stack') === g.provider).sort((a, b) => a.key.localeCompare(b.key));
  const count = el('span', { class: 'count' }, `${g.ok} OK`);
  const firing = g.firing > 0 ? el('span', { class: 'firing' }, ` · ${g.firing} firing (above)`) : '';
  const summary = el('summary', {}, `${g.provider}: `, count, firing);
  const details = el('details', { 'data-provider': g.provider }, summary, alarmTable(rows, now));
  details.open = opened.has(g.provider);
  details.addEventListener('toggle', () => (details.open ? opened.add(g.provider) : opened.delete(g.provider)));
  return details;
}

function renderFolded(state) {
  const ok = state.alarms.filter((a) => a.state !== 'ALARM');
  document.getElementById('ok-count').textContent = `(${ok.length}, by provider)`;
  const groups = state.summary.providers.filter((g) => g.ok > 0).map((g) => foldedGroup(g, ok, state.now));
  document.querySelector('#ok .groups').replaceChildren(...groups);
}

function failureText(f) {
  return [f.operation, f.status ?? f.errorCode].filter(Boolean).join(' ');
}

/** One provider's breaker as `npm run ops -- circuit` shows it: state, since, next probe, the latest failures. */
function circuitRow(c, now) {
  const probe = c.nextProbeAt ? (c.nextProbeAt > now ? `in ${formatDuration(c.nextProbeAt - now)}` : 'due') : '';
  const failures = c.failures.slice(-3).map(failureText).join('; ');
  return el(
    'tr',
    { 'data-provider': c.provider, 'data-circuit': c.state },
    el('td', {}, c.provider),
    el('td', {}, el('span', { class: 'breaker' }, c.state)),
    el('td', {}, c.since ? since(c.since, now) : ''),
    el('td', {}, probe),
    el('td', {}, failures),
  );
}

/** Provider health: each provider's circuit breaker as last seen by any function (`state.circuits`); open ones first. */
function renderHealth(state) {
  const section = document.getElementById('health');
  section.hidden = !state.circuits;
  if (!state.circuits) return;
  const rank = { open: 0, 'half-open': 1, closed: 2 };
  const rows = [...state.circuits].sort(
    (a, b) => rank[a.state] - rank[b.state] || a.provider.localeCompare(b.provider),
  );
  const head = el(
    'tr',
    {},
    ...['Provider', 'Breaker', 'For', 'Next probe', 'Latest failures'].map((h) => el('th', {}, h)),
  );
  const table = el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows.map((c) => circuitRow(c, state.now))));
  section.querySelector('.panel').replaceChildren(table);
}

// --- Charts ------------------------------------------------------------------------------------------------------

function chartBox(chart) {
  let box = document.getElementById(`chart-${chart.id}`);
  if (!box) {
    const unit = ['ms', 's', '%', 'count'].includes(chart.unit) ? '' : ` (${chart.unit})`;
    box = el(
      'div',
      { class: 'chart', id: `chart-${chart.id}`, 'data-chart': chart.id },
      el('h3', {}, `${chart.title}${unit}`),
      el('div', { class: 'plot' }),
    );
    document.getElementById('charts').append(box);
  }
  return box;
}

function drawChart(chart, xs) {
  const box = chartBox(chart);
  const target = box.querySelector('.plot');
  const labels = chart.series.map((s) => s.label).join('\n');
  box.setAttribute('data-series', String(chart.series.length));
  const existing = plots.get(chart.id);
  if (chart.series.length === 0) {
    if (existing) existing.plot.destroy();
    plots.delete(chart.id);
    target.replaceChildren(el('div', { class: 'empty' }, 'no data yet'));
    return;
  }
  const data = [xs, ...chart.series.map((s) => s.values)];
  if (existing && existing.labels === labels) return existing.plot.setData(data);
  if (existing) existing.plot.destroy();
  target.replaceChildren();
  const series = chart.series.map((s, i) => ({
    label: s.label,
    stroke: COLORS[i % COLORS.length],
    width: 2,
    spanGaps: false,
    value: (_u, v) => formatValue(v, chart.unit),
  }));
  const plot = new uPlot(
    {
      width: Math.max(300, target.clientWidth || 440),
      height: 180,
      series: [{}, ...series],
      axes: [{ font: AXIS_FONT }, valueAxis(chart, box)],
      scales: { y: { range: (_u, _min, max) => [0, Math.max(chart.unit === 'ms' ? 1000 : 1, max * 1.1)] } },
    },
    data,
    target,
  );
  plots.set(chart.id, { plot, labels });
}

function renderCharts(state) {
  const xs = state.times.map((t) => t / 1000);
  for (const chart of state.charts) drawChart(chart, xs);
}

// --- Refresh -----------------------------------------------------------------------------------------------------

async function refresh() {
  let wait = 1000;
  try {
    const res = await fetch('/_dashboard/state', { cache: 'no-store' });
    const state = await res.json();
    wait = state.refreshMs;
    renderHeader(state);
    renderFiring(state);
    renderCharts(state);
    renderHealth(state);
    renderFolded(state);
    document.body.setAttribute('data-updated', String(state.now));
  } catch (err) {
    document.getElementById('headline').textContent = `cannot reach the stack: ${err}`;
  }
  setTimeout(refresh, wait);
}

window.dashboard = { plots, formatValue };
refresh();
