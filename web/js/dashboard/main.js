// The dashboard page: polls /v1/metrics every second, keeps a rolling history in the page and
// redraws the tiles, meters and charts. Sections the server does not report say "not reported".

import { api } from '../api.js';
import { el, formatBytes, formatClock, formatNumber } from '../format.js';
import { MetricHistory } from './history.js';
import { flatten, paths, read, readObject } from './metric-model.js';
import { drawBarChart, drawLineChart, cssColor } from './charts.js';
import { TileGroup, renderMeter, notReported } from './tiles.js';
import { hitsByKBars, lineCharts, tiles } from './sections.js';
import { renderAdaptiveK } from './adaptive-k.js';

const pollMs = 1000;
const requestTimeoutMs = 5000;

const history = new MetricHistory(900);
const groups = Object.fromEntries(Object.entries(tiles).map(([name, specs]) => [name, new TileGroup(document.getElementById(`tiles-${name}`), specs)]));
const windowSelect = document.getElementById('window-select');
const statusText = document.getElementById('status-text');
const liveDot = document.getElementById('live-dot');
let lastUpdate = null;

for (const chart of lineCharts) {
  const legend = document.getElementById(`legend-${chart.id}`);
  legend.replaceChildren(...chart.series(history).map((s) => el('span', { style: `--swatch: var(${s.color})` }, s.label)));
}

function render() {
  const m = history.latest;
  if (!m) return;
  const context = { m, history };
  for (const group of Object.values(groups)) group.update(context);

  renderMeter(document.getElementById('store-meter'), 'Cache bytes vs budget',
    read(m, paths.storeUsedBytes), read(m, paths.storeMaxBytes), formatBytes);
  renderMeter(document.getElementById('kv-meter'), 'LLM KV blocks in use',
    read(m, paths.kvUsedBlocks), read(m, paths.kvTotalBlocks), (v) => formatNumber(v));

  renderAdaptiveK(document.getElementById('adaptive-k'), readObject(m, paths.adaptiveK));
  drawCharts();
  renderRawTable(m);
}

function drawCharts() {
  const m = history.latest;
  if (!m) return;
  const now = history.samples.at(-1).t;
  // The axis always spans the chosen window; a page opened recently fills only its right-hand part.
  const windowSeconds = Number(windowSelect.value);
  const span = windowSelect.selectedOptions[0]?.textContent ?? `${windowSeconds} s`;
  for (const chart of lineCharts) {
    const canvas = document.getElementById(`chart-${chart.id}`);
    const series = chart.series(history).map((s) => ({ ...s, color: cssColor(s.color) }));
    const reported = series.some((s) => s.points.some((p) => p.v != null));
    drawLineChart(canvas, { series, now, windowSeconds, format: chart.format, yMax: chart.yMax, integer: chart.integer, bytes: chart.bytes,
      emptyText: reported ? 'no data yet' : `${notReported} by the server` });
    const latest = series.map((s) => `${s.label} ${s.points.at(-1)?.v == null ? 'none' : chart.format(s.points.at(-1).v)}`).join(', ');
    canvas.setAttribute('aria-label', `${canvas.closest('figure').querySelector('h3').textContent}: ${reported ? latest : notReported} (last ${span})`);
  }

  const bars = hitsByKBars(m);
  const barCanvas = document.getElementById('chart-hits-by-k');
  drawBarChart(barCanvas, { bars: bars ?? [], color: cssColor('--chart-3'), format: (v) => formatNumber(v),
    emptyText: bars === undefined ? `${notReported} by the server` : 'no cache hits yet' });
  barCanvas.setAttribute('aria-label', bars === undefined ? `Hits by K: ${notReported}`
    : `Hits by K: ${bars.map((b) => `${b.label} ${b.value}`).join(', ') || 'no cache hits yet'}`);
}

function renderRawTable(m) {
  const body = document.querySelector('#raw-table tbody');
  body.replaceChildren(...flatten(m).map(([name, value]) =>
    el('tr', {}, el('td', {}, name), el('td', {}, typeof value === 'number' ? formatNumber(value, 4) : String(value)))));
}

async function poll() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), requestTimeoutMs);
  try {
    const metrics = await api.metrics(abort.signal);
    history.push(Date.now(), metrics);
    lastUpdate = new Date();
    liveDot.className = 'live-dot live';
    statusText.textContent = `Live · updated ${formatClock(lastUpdate)} · every ${pollMs / 1000} s`;
    render();
  } catch (error) {
    liveDot.className = 'live-dot down';
    const reason = error.name === 'AbortError' ? 'no answer in time' : error.message;
    statusText.textContent = `Cannot read /v1/metrics (${reason}); retrying every ${pollMs / 1000} s`
      + (lastUpdate ? ` · last update ${formatClock(lastUpdate)}` : '');
  } finally {
    clearTimeout(timer);
    setTimeout(poll, pollMs);
  }
}

windowSelect.addEventListener('change', drawCharts);
window.addEventListener('resize', drawCharts);
poll();
