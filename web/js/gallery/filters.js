// The filter bar: prompt text, date range and cache outcome. The filters live in the page's URL
// (?q=&from=&to=&cache=) so a reload or a shared link shows the same selection.

const typingDelayMs = 250;

/** Local midnight of a yyyy-mm-dd date as an ISO instant; `nextDay` gives the exclusive end of that day. */
export function dayStart(date, nextDay = false) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y, m - 1, d + (nextDay ? 1 : 0)).toISOString();
}

export class Filters {
  constructor(form, onChange) {
    this.form = form;
    this.onChange = onChange;
    const e = form.elements;
    const url = new URLSearchParams(location.search);
    e.q.value = url.get('q') ?? '';
    e.since.value = url.get('from') ?? '';
    e.until.value = url.get('to') ?? '';
    e.cache.value = ['hit', 'miss'].includes(url.get('cache')) ? url.get('cache') : 'any';

    let timer;
    e.q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => this.changed(), typingDelayMs); });
    for (const input of [e.since, e.until, e.cache]) input.addEventListener('change', () => this.changed());
    form.addEventListener('submit', (event) => { event.preventDefault(); clearTimeout(timer); this.changed(); });
    document.getElementById('filter-clear').addEventListener('click', () => {
      form.reset();
      e.cache.value = 'any';
      this.changed();
    });
  }

  /** The API query for the current filters. */
  query() {
    const e = this.form.elements;
    const query = {};
    if (e.q.value.trim()) query.q = e.q.value.trim();
    if (e.since.value) query.since = dayStart(e.since.value);
    if (e.until.value) query.until = dayStart(e.until.value, true);
    if (e.cache.value !== 'any') query.cache = e.cache.value;
    return query;
  }

  changed() {
    const e = this.form.elements;
    const url = new URL(location.href);
    const set = (name, value) => (value ? url.searchParams.set(name, value) : url.searchParams.delete(name));
    set('q', e.q.value.trim());
    set('from', e.since.value);
    set('to', e.until.value);
    set('cache', e.cache.value === 'any' ? '' : e.cache.value);
    history.replaceState(history.state, '', url);
    this.onChange(this.query());
  }
}
