// A rolling window of /v1/metrics samples kept in the page, and the "over time" series derived from
// it. The server reports running totals; rates and windowed ratios come from differences between
// samples. A total that goes down means the server restarted: that interval is left as a gap.

export class MetricHistory {
  constructor(keepSeconds = 900) {
    this.keepMs = keepSeconds * 1000;
    this.samples = [];
  }

  push(timeMs, json) {
    this.samples.push({ t: timeMs, json });
    const oldest = timeMs - this.keepMs;
    while (this.samples.length > 0 && this.samples[0].t < oldest) this.samples.shift();
  }

  get latest() {
    return this.samples.at(-1)?.json;
  }

  /** [{t, v}] of a value read from each sample; v is null where the value is missing. */
  series(get) {
    return this.samples.map(({ t, json }) => ({ t, v: finite(get(json)) }));
  }

  /** Per-second rate of a running total, averaged over the trailing `windowSeconds`. */
  rate(getTotal, windowSeconds) {
    return this.#windowed(windowSeconds, (now, then, seconds) => {
      const delta = difference(getTotal(now), getTotal(then));
      return delta == null ? null : delta / seconds;
    });
  }

  /** Δnumerator / Δdenominator of two running totals over the trailing window; null when Δdenominator is 0. */
  ratio(getNumerator, getDenominator, windowSeconds) {
    return this.#windowed(windowSeconds, (now, then) => {
      const num = difference(getNumerator(now), getNumerator(then));
      const den = difference(getDenominator(now), getDenominator(then));
      return num == null || den == null || den === 0 ? null : num / den;
    });
  }

  #windowed(windowSeconds, compute) {
    const windowMs = windowSeconds * 1000;
    const points = [];
    let start = 0;
    for (let i = 0; i < this.samples.length; i++) {
      const current = this.samples[i];
      while (current.t - this.samples[start].t > windowMs) start++;
      const from = this.samples[start];
      if (i === start || current.t === from.t) { points.push({ t: current.t, v: null }); continue; }
      points.push({ t: current.t, v: finite(compute(current.json, from.json, (current.t - from.t) / 1000)) });
    }
    return points;
  }
}

function finite(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function difference(now, then) {
  if (finite(now) == null || finite(then) == null || now < then) return null;
  return now - then;
}
