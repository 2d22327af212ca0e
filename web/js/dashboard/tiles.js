// Number tiles and fill meters. A tile whose number the server does not report says so instead of
// showing a zero.

import { el } from '../format.js';

export const notReported = 'not reported';

/** Keeps one tile element per spec in `container` and updates it in place. */
export class TileGroup {
  constructor(container, specs) {
    this.specs = specs;
    this.tiles = new Map();
    for (const spec of specs) {
      const value = el('span', { class: 'value' }, '…');
      const sub = el('span', { class: 'sub' });
      const tile = el('div', { class: 'tile', dataset: { metric: spec.key } }, el('span', { class: 'label' }, spec.label), value, sub);
      container.append(tile);
      this.tiles.set(spec.key, { tile, value, sub });
    }
  }

  /** Returns how many tiles had a reported number. */
  update(context) {
    let reported = 0;
    for (const spec of this.specs) {
      const { tile, value, sub } = this.tiles.get(spec.key);
      const number = spec.value(context);
      const missing = number === undefined;
      tile.classList.toggle('not-reported', missing);
      value.textContent = missing ? notReported : spec.format(number);
      sub.textContent = missing ? '' : spec.sub?.(context) ?? '';
      if (!missing) reported++;
    }
    return reported;
  }
}

/** A labelled bar showing used of total, or "not reported" when either is missing. */
export function renderMeter(container, label, used, total, format) {
  if (used === undefined || total === undefined || total <= 0) {
    container.replaceChildren(el('p', { class: 'not-reported-note' }, `${label}: ${notReported}`));
    return;
  }
  const fraction = Math.min(used / total, 1);
  container.replaceChildren(
    el('p', {}, el('strong', {}, label), ` ${format(used)} of ${format(total)} (${(fraction * 100).toFixed(1)} %)`),
    el('div', { class: 'meter', role: 'meter', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': used },
      el('div', { style: `width:${(fraction * 100).toFixed(2)}%` })));
}
