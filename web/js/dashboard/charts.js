// Line and bar charts drawn on <canvas>, sized to the element and sharp on high-DPI screens.
// Colours come from the stylesheet's custom properties.

const font = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';
const pad = { left: 56, right: 12, top: 10, bottom: 22 };

export function cssColor(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#000';
}

function prepare(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = font;
  return { ctx, width, height };
}

/** Up to five round tick values from 0 to at least max; whole numbers only for counts. */
export function niceTicks(max, integer = false) {
  if (!(max > 0)) return [0, 1];
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough);
  if (integer) step = Math.max(1, Math.ceil(step));
  const ticks = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Ticks for byte counts: round steps in the binary unit the scale reads in (0, 1, 2, 3 GiB; 0, 250, 500 MiB). */
export function niceByteTicks(max) {
  if (!(max > 0)) return [0, 1024];
  const unit = 1024 ** Math.max(0, Math.floor(Math.log(max) / Math.log(1024)));
  return niceTicks(max / unit).map((t) => t * unit);
}

function message(ctx, width, height, text) {
  ctx.fillStyle = cssColor('--muted');
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, width / 2, height / 2);
}

function yAxis(ctx, width, height, ticks, format) {
  const top = ticks.at(-1);
  const y = (v) => pad.top + (height - pad.top - pad.bottom) * (1 - v / top);
  ctx.strokeStyle = cssColor('--chart-grid');
  ctx.fillStyle = cssColor('--muted');
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const tick of ticks) {
    ctx.beginPath();
    ctx.moveTo(pad.left, Math.round(y(tick)) + 0.5);
    ctx.lineTo(width - pad.right, Math.round(y(tick)) + 0.5);
    ctx.stroke();
    ctx.fillText(format(tick), pad.left - 6, y(tick));
  }
  return y;
}

/**
 * series: [{ label, color, points: [{t (ms), v|null}] }]; the x axis spans [now − windowSeconds, now].
 * yMax fixes the top of the scale (1 for ratios); otherwise it fits the data. bytes: ticks in binary units.
 */
export function drawLineChart(canvas, { series, now, windowSeconds, format = String, yMax, integer = false, bytes = false, emptyText = 'no data yet' }) {
  const { ctx, width, height } = prepare(canvas);
  canvas.dataset.windowSeconds = String(windowSeconds);   // the span the x axis was drawn for
  const tMin = now - windowSeconds * 1000;
  const visible = series.map((s) => ({ ...s, points: s.points.filter((p) => p.t >= tMin) }));
  const values = visible.flatMap((s) => s.points.map((p) => p.v)).filter((v) => v != null);
  if (values.length === 0) { message(ctx, width, height, emptyText); return; }

  const scale = bytes ? niceByteTicks : (max) => niceTicks(max, integer);
  const ticks = scale(yMax ?? (Math.max(...values) * 1.1 || 1));
  const y = yAxis(ctx, width, height, ticks, format);
  const x = (t) => pad.left + (width - pad.left - pad.right) * ((t - tMin) / (windowSeconds * 1000));

  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillStyle = cssColor('--muted');
  for (const fraction of [0, 0.5, 1]) {
    const secondsAgo = Math.round(windowSeconds * (1 - fraction));
    const label = secondsAgo === 0 ? 'now' : secondsAgo >= 120 ? `−${Math.round(secondsAgo / 60)} min` : `−${secondsAgo} s`;
    ctx.fillText(label, Math.min(Math.max(x(tMin + fraction * windowSeconds * 1000), pad.left + 14), width - pad.right - 14), height - pad.bottom + 6);
  }

  ctx.lineWidth = 2;
  ctx.lineJoin = 'round';
  for (const s of visible) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.beginPath();
    let drawing = false;
    for (let i = 0; i < s.points.length; i++) {
      const p = s.points[i];
      if (p.v == null) { drawing = false; continue; }
      const px = x(p.t);
      const py = y(Math.min(p.v, ticks.at(-1)));
      if (drawing) {
        ctx.lineTo(px, py);
      } else {
        ctx.moveTo(px, py);
        // A point with gaps on both sides would be invisible as a line: mark it with a dot.
        if (s.points[i + 1]?.v == null) ctx.fillRect(px - 2, py - 2, 4, 4);
      }
      drawing = true;
    }
    ctx.stroke();
  }
}

/** bars: [{ label, value }] drawn left to right with value labels. */
export function drawBarChart(canvas, { bars, color, format = String, emptyText = 'no data yet' }) {
  const { ctx, width, height } = prepare(canvas);
  if (bars.length === 0) { message(ctx, width, height, emptyText); return; }
  const ticks = niceTicks(Math.max(...bars.map((b) => b.value), 1), true);
  const y = yAxis(ctx, width, height, ticks, format);
  const slot = (width - pad.left - pad.right) / bars.length;
  const barWidth = Math.min(56, slot * 0.7);
  bars.forEach((bar, i) => {
    const cx = pad.left + slot * (i + 0.5);
    ctx.fillStyle = color;
    ctx.fillRect(cx - barWidth / 2, y(bar.value), barWidth, y(0) - y(bar.value));
    ctx.fillStyle = cssColor('--text');
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(format(bar.value), cx, Math.max(y(bar.value) - 2, pad.top + 12));
    ctx.fillStyle = cssColor('--muted');
    ctx.textBaseline = 'top';
    ctx.fillText(bar.label, cx, height - pad.bottom + 6);
  });
}
