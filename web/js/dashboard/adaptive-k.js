// The adaptive K table's state (/v1/metrics cache.adaptive_k): per similarity bucket the K it started from,
// the K it uses now, and what each K's images cost in CLIP score. Absent when the server's table is fixed.

import { el, formatNumber } from '../format.js';

const signed = (v) => (v == null ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(3)}`);

function armText(arm) {
  const drop = arm.mean_drop == null ? '' : `, drop ${signed(arm.mean_drop)}`;
  return `K ${arm.k}: ${formatNumber(arm.count)} images${drop}${arm.verdict === 'unknown' ? '' : `, ${arm.verdict.replace('_', ' ')}`}`;
}

export function renderAdaptiveK(container, state) {
  if (!state) {
    container.replaceChildren(el('p', { class: 'muted' }, 'Fixed K table (start the server with --adaptive-k on to let it learn).'));
    return;
  }
  const moved = state.buckets.filter((b) => b.k !== b.calibrated_k).length;
  const summary = `${formatNumber(state.observations)} images scored, ${formatNumber(state.explorations)} explorations, `
    + `${formatNumber(state.controls)} controls; ${moved} of ${state.buckets.length} buckets moved from the calibrated K `
    + `(tolerance ${state.tolerance} of CLIP score, full runs score ${state.baseline_score == null ? '–' : state.baseline_score.toFixed(3)}).`;
  const rows = state.buckets.map((b) => el('tr', { dataset: { low: b.low, high: b.high } },
    el('td', {}, `(${b.low}, ${b.high}]`),
    el('td', {}, String(b.calibrated_k)),
    el('td', { class: b.k > b.calibrated_k ? 'up' : b.k < b.calibrated_k ? 'down' : null }, String(b.k)),
    el('td', {}, b.arms.filter((a) => a.count > 0).map(armText).join('; ') || '–')));
  container.replaceChildren(
    el('p', {}, summary),
    el('table', { class: 'raw-table', 'aria-label': 'Adaptive K by similarity bucket' },
      el('thead', {}, el('tr', {}, el('th', {}, 'similarity'), el('th', {}, 'calibrated K'), el('th', {}, 'K now'), el('th', {}, 'what each K cost'))),
      el('tbody', {}, rows)));
}
