// The image grid: pages of GET /v1/gallery, newest first, with an empty state and "Load more".

import { api } from '../api.js';
import { el, formatDateTime } from '../format.js';

const pageSize = 24;

export function cacheBadge(cache) {
  return cache?.hit
    ? el('span', { class: 'badge hit', title: `Started from a cached latent at step ${cache.k}` }, `cache hit · K=${cache.k}`)
    : el('span', { class: 'badge miss', title: 'Generated from noise' }, 'cache miss');
}

/** Small images (the test model's 64×64) are scaled up without blurring. */
export function sharpWhenSmall(img) {
  const mark = () => img.classList.toggle('pixelated', img.naturalWidth > 0 && img.naturalWidth < 160);
  if (img.complete) mark(); else img.addEventListener('load', mark, { once: true });
  return img;
}

function card(item, onOpen, isNew) {
  const open = el('button', { type: 'button', class: 'card-open', 'aria-label': `Open details of “${item.prompt}”` },
    sharpWhenSmall(el('img', { src: item.url, alt: item.prompt, loading: 'lazy', width: 190, height: 190 })));
  open.addEventListener('click', () => onOpen(item.id));
  return el('li', { class: isNew ? 'card new' : 'card', dataset: { id: item.id } },
    open,
    el('div', { class: 'card-body' },
      el('p', { class: 'card-prompt', title: item.prompt }, item.prompt),
      el('p', { class: 'card-meta' }, `seed ${item.seed} · ${item.steps} ${item.steps === 1 ? 'step' : 'steps'}`),
      el('p', { class: 'card-meta' }, el('time', { datetime: new Date(item.created * 1000).toISOString() }, formatDateTime(item.created))),
      cacheBadge(item.cache)));
}

export class GalleryGrid {
  constructor({ list, empty, count, more, error, onOpen }) {
    Object.assign(this, { list, empty, count, more, error, onOpen });
    this.query = {};
    this.loaded = 0;
    this.total = 0;
    this.abort = null;
    // New images shown while a fresh page was loading: the page's answer may predate them.
    this.arrivedDuringLoad = [];
    more.addEventListener('click', () => this.load(false));
  }

  /** Shows the first page for these filters (the API's query parameters). */
  show(query) {
    this.query = query;
    return this.load(true);
  }

  async load(fresh) {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.more.disabled = true;
    if (fresh) this.count.textContent = 'Loading…';
    try {
      if (fresh) this.arrivedDuringLoad = [];
      const page = await api.gallery({ ...this.query, limit: pageSize, offset: fresh ? 0 : this.loaded }, abort.signal);
      if (fresh) { this.list.replaceChildren(); this.loaded = 0; }
      for (const item of page.data) this.list.append(card(item, this.onOpen, false));
      this.loaded += page.data.length;
      this.total = page.total;
      if (fresh) for (const item of this.arrivedDuringLoad) this.#prepend(item);
      this.arrivedDuringLoad = [];
      this.error.hidden = true;
      this.more.hidden = !page.has_more;
    } catch (error) {
      if (error.name === 'AbortError') return;
      this.error.textContent = `Could not load the gallery: ${error.message}`;
      this.error.hidden = false;
    } finally {
      if (this.abort === abort) this.more.disabled = false;
    }
    this.render();
  }

  /** Puts a just-generated image at the top (it is the newest); false when the filters hide it. */
  addNew(item) {
    if (!this.matches(item)) return false;
    this.arrivedDuringLoad.push(item);
    this.#prepend(item);
    this.render();
    return true;
  }

  #prepend(item) {
    if (this.list.querySelector(`[data-id="${CSS.escape(item.id)}"]`)) return;
    this.list.prepend(card(item, this.onOpen, true));
    this.loaded++;
    this.total++;
  }

  /** The server's filter rules (GalleryQuery.Matches) applied to one item. */
  matches(item) {
    const { q, since, until, cache } = this.query;
    if (q && ![item.prompt, item.revised_prompt].some((t) => t?.toLowerCase().includes(q.toLowerCase()))) return false;
    if (cache === 'hit' && !item.cache?.hit) return false;
    if (cache === 'miss' && item.cache?.hit) return false;
    if (since && item.created * 1000 < Date.parse(since)) return false;
    if (until && item.created * 1000 >= Date.parse(until)) return false;
    return true;
  }

  render() {
    const filtered = Object.values(this.query).some((v) => v !== '' && v !== 'any');
    this.count.textContent = this.total === 1 ? '1 image' : `${this.total} images`;
    if (filtered) this.count.textContent += ' match the filters';
    const isEmpty = this.list.childElementCount === 0;
    this.empty.hidden = !isEmpty;
    if (!isEmpty) return;
    this.empty.replaceChildren(filtered
      ? el('div', {}, el('strong', {}, 'No images match these filters.'), el('p', {}, 'Change or clear the filters above.'))
      : el('div', {}, el('strong', {}, 'No images yet.'), el('p', {}, 'Write a prompt above and press Generate; your images will appear here.')));
  }
}
