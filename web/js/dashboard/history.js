// A rolling window of /v1/metrics samples kept in the page, and the "over time" series derived from
// it. The server reports running totals; rates and windowed ratios come from their increases between
// samples. A total that goes down means the server restarted and counts from zero again.

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
    return this.#windowed(windowSeconds, (from, to, seconds) => {
      const increase = this.#increase(getTotal, from, to);
      return increase == null ? null : increase / seconds;
    });
  }

  /** Increase of one running total over that of another in the trailing window; null when the second did not move. */
  ratio(getNumerator, getDenominator, windowSeconds) {
    return this.#windowed(windowSeconds, (from, to) => {
      const num = this.#increase(getNumerator, from, to);
      const den = this.#increase(getDenominator, from, to);
      return num == null || den == null || den === 0 ? null : num / den;
    });
  }

  #windowed(windowSeconds, compute) {
    const windowMs = windowSeconds * 1000;
    const points = [];
    let start = 0;
    for (let i = 0; i < this.samples.length; i++) {
      const t = this.samples[i].t;
      while (t - this.samples[start].t > windowMs) start++;
      const seconds = (t - this.samples[start].t) / 1000;
      points.push({ t, v: seconds > 0 ? finite(compute(start, i, seconds)) : null });
    }
    return points;
  }

  // Sum of the steps between consecutive samples; a total that went down was restarted from zero
  // (as Prometheus' rate() assumes), so its new value is the step.
  #increase(get, from, to) {
    let total = 0;
    for (let j = from + 1; j <= to; j++) {
      const now = finite(get(this.samples[j].json));
      const before = finite(get(this.samples[j - 1].json));
      if (now == null || before == null) return null;
      total += now >= before ? now - before : now;
    }
    return total;
  }
}

function finite(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
