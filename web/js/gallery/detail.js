// The detail view of one stored image: the image beside the cached entry it started from, its
// prompts and settings, and "generate again". Opened from a card or from the URL (#img_…).

import { api, ApiError } from '../api.js';
import { el, formatDateTime, formatSeconds } from '../format.js';
import { cacheBadge, sharpWhenSmall } from './grid.js';

const imageIdPattern = /^img_[0-9a-f]{20}$/;

export class DetailView {
  constructor(dialog, { onGenerateAgain, onCopySettings }) {
    this.dialog = dialog;
    this.body = dialog.querySelector('#detail-body');
    this.title = dialog.querySelector('#detail-title');
    this.onGenerateAgain = onGenerateAgain;
    this.onCopySettings = onCopySettings;
    dialog.querySelector('#detail-close').addEventListener('click', () => dialog.close());
    // A click on the backdrop (outside the dialog's box) closes it too.
    dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
    dialog.addEventListener('close', () => {
      if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
      this.returnFocus?.focus();
    });
  }

  async open(id) {
    this.returnFocus = document.activeElement;
    this.title.textContent = 'Image';
    this.body.replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
    if (!this.dialog.open) this.dialog.showModal();
    if (location.hash !== `#${id}`) history.replaceState(history.state, '', `#${id}`);
    let item;
    try {
      item = await api.metadata(id);
    } catch (error) {
      this.body.replaceChildren(el('p', { class: 'form-error', role: 'alert' }, `Could not load image ${id}: ${error.message}`));
      return;
    }
    this.render(item);
  }

  render(item) {
    this.title.textContent = item.prompt;
    const source = el('figure', { id: 'detail-source' }, el('div', { class: 'source-note' }, 'Looking up the cached entry…'));
    const again = el('button', { type: 'button', class: 'primary', id: 'detail-again' }, 'Generate again with these settings');
    again.addEventListener('click', () => { this.dialog.close(); this.onGenerateAgain(item); });
    const copy = el('button', { type: 'button', id: 'detail-copy' }, 'Copy settings to the form');
    copy.addEventListener('click', () => { this.dialog.close(); this.onCopySettings(item); });

    this.body.replaceChildren(
      el('div', { class: 'detail-images' },
        el('figure', {},
          sharpWhenSmall(el('img', { src: item.url, alt: item.prompt, id: 'detail-image' })),
          el('figcaption', {}, 'This image · ', cacheBadge(item.cache))),
        source),
      el('div', { class: 'actions' }, again, copy,
        el('a', { class: 'button', href: item.url, download: `${item.id}.png` }, 'Download PNG')),
      settingsList(item));
    this.showSource(source, item.cache);
  }

  async showSource(figure, cache) {
    const note = (...lines) => figure.replaceChildren(el('div', { class: 'source-note' }, ...lines.filter(Boolean).map((l) => el('p', {}, l))),
      el('figcaption', {}, 'Cached entry it started from'));
    if (!cache?.hit) {
      note('Cache miss: this image was denoised from pure noise.',
        cache?.similarity != null ? `The closest cached prompt had similarity ${cache.similarity.toFixed(3)}, too low to reuse.` : null);
      return;
    }
    const facts = `Similarity ${cache.similarity != null ? cache.similarity.toFixed(3) : 'not reported'} · skipped the first ${cache.k} steps (K=${cache.k})`;
    // The server names the gallery image whose run stored the entry (source_image_id) while it still has it.
    const sourceImage = cache.source_image_id ?? (cache.source_id && imageIdPattern.test(cache.source_id) ? cache.source_id : null);
    if (!sourceImage) {
      note(`Started from cache entry ${cache.source_id ?? '(not named)'}.`, facts,
        'The image that stored that entry is not in the gallery, so there is no picture to show.');
      return;
    }
    try {
      const source = await api.metadata(sourceImage);
      figure.replaceChildren(
        sharpWhenSmall(el('img', { src: source.url, alt: `Source: ${source.prompt}` })),
        el('figcaption', {}, `Started from “${source.prompt}” (${source.id}). ${facts}`));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      note(`Started from cache entry ${cache.source_id}.`, facts, `Its image is not in the gallery any more (${error.message}).`);
    }
  }
}

function settingsList(item) {
  const rows = [
    ['Prompt', item.prompt],
    ['Revised prompt', item.revised_prompt ?? (item.expand_prompt ? '(the expansion returned nothing)' : 'not expanded')],
    ['Negative prompt', item.negative_prompt || '—'],
    ['Seed', item.seed],
    ['Steps', item.steps],
    ['Scheduler', item.scheduler],
    ['Guidance scale', item.guidance_scale],
    ['Size', item.size],
    ['Cache mode', item.cache_mode],
    ['Cache', item.cache.hit ? `hit, K=${item.cache.k}, source ${item.cache.source_id ?? '—'}` : 'miss'],
    ['Created', formatDateTime(item.created)],
    ['Timings', Object.entries(item.timings ?? {}).map(([stage, s]) => `${stage} ${formatSeconds(s)}`).join(' · ') || '—'],
    ['Model', item.model],
    ['Id', item.id],
  ];
  return el('dl', { class: 'settings' }, rows.flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, String(value))]));
}
