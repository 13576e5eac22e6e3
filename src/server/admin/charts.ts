/**
 * The admin's pictures, drawn on the server as inline SVG (templates/admin/_chart.hbs): no script,
 * the page's style sheet colours them (`.c-*` classes, with dark-mode colours), every label escaped.
 * Pure functions of the figures: they give the chart's shapes, the template draws them.
 */

export interface Series {
  name: string;
  /** A class of the page's style sheet: c-sent, c-failed, c-bounced, c-active, c-unsub. */
  cls: string;
  values: readonly number[];
}

/** What templates/admin/_chart.hbs draws. */
export interface Chart {
  id: string;
  title: string;
  summary: string;
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  labelX: number;
  topLabelY: number;
  topLabel: string;
  bars: { cls: string; x: string; y: string; width: string; height: string; title: string }[];
  lines: { cls: string; points: string }[];
  ticks: { x: number; y: number; anchor: string; label: string }[];
  series: { cls: string; name: string }[];
}

const W = 640;
const H = 200;
const PAD = { left: 44, right: 8, top: 10, bottom: 34 };
const Y0 = H - PAD.bottom;
const SPAN = Y0 - PAD.top;

/** The `n` dates up to and including `last` (YYYY-MM-DD, UTC calendar). */
export function lastDays(last: string, n: number): string[] {
  const end = Date.parse(`${last}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => new Date(end - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/**
 * Per day, how many subscribers were active, unsubscribed and bounced at the end of it, from when
 * each joined and left (`subscriberMovements`).
 */
export function subscriberSeries(
  days: readonly string[],
  m: {
    joined: readonly { day: string; count: number }[];
    unsubscribed: readonly { day: string; count: number }[];
    bounced: readonly { day: string; count: number }[];
  },
): { active: number[]; unsubscribed: number[]; bounced: number[] } {
  const upTo = (rows: readonly { day: string; count: number }[], day: string) =>
    rows.reduce((sum, r) => (r.day <= day ? sum + r.count : sum), 0);
  const unsubscribed = days.map((d) => upTo(m.unsubscribed, d));
  const bounced = days.map((d) => upTo(m.bounced, d));
  const active = days.map((d, i) => Math.max(0, upTo(m.joined, d) - (unsubscribed[i] ?? 0) - (bounced[i] ?? 0)));
  return { active, unsubscribed, bounced };
}

/** A round top for the value axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

const fmt = (n: number) => n.toLocaleString('en-US');
/** The middle of label i's slot on the x axis. */
const slotX = (labels: readonly string[], i: number) =>
  PAD.left + ((W - PAD.left - PAD.right) * (i + 0.5)) / Math.max(1, labels.length);

/** The frame every chart has: axes, the value axis's top, the first, middle and last labels, the key. */
function frame(
  labels: readonly string[],
  top: number,
  title: string,
  summary: string,
  series: readonly Series[],
  shapes: Pick<Chart, 'bars' | 'lines'>,
): Chart {
  const ticks = labels.length <= 1 ? [0] : [0, Math.floor((labels.length - 1) / 2), labels.length - 1];
  const last = ticks.length - 1;
  return {
    id: `${title.replace(/\W+/g, '-')}-t`,
    title,
    summary,
    width: W,
    height: H,
    left: PAD.left,
    right: W - PAD.right,
    top: PAD.top,
    bottom: Y0,
    labelX: PAD.left - 6,
    topLabelY: PAD.top + 4,
    topLabel: fmt(top),
    ...shapes,
    ticks: ticks.map((i, k) => ({
      x: k === 0 ? PAD.left : k === last && k > 0 ? W - PAD.right : slotX(labels, i),
      y: H - 16,
      anchor: k === 0 ? 'start' : k === last ? 'end' : 'middle',
      label: labels[i] ?? '',
    })),
    series: series.map((s) => ({ cls: s.cls, name: s.name })),
  };
}

/** Bars per label, the series stacked (deliveries per day: sent, failed, bounced). */
export function stackedBars(title: string, labels: readonly string[], series: readonly Series[]): Chart {
  const totals = labels.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const top = niceMax(Math.max(0, ...totals));
  const slot = (W - PAD.left - PAD.right) / Math.max(1, labels.length);
  const bars = labels.flatMap((label, i) => {
    let base = Y0;
    return series.flatMap((s) => {
      const v = s.values[i] ?? 0;
      if (v <= 0) return [];
      const h = Math.max(1, (v / top) * SPAN);
      base -= h;
      return [
        {
          cls: s.cls,
          x: (PAD.left + i * slot + slot * 0.15).toFixed(1),
          y: base.toFixed(1),
          width: (slot * 0.7).toFixed(1),
          height: h.toFixed(1),
          title: `${label}: ${fmt(v)} ${s.name}`,
        },
      ];
    });
  });
  const summary = series.map((s) => `${fmt(s.values.reduce((a, b) => a + b, 0))} ${s.name}`).join(', ');
  return frame(labels, top, title, `${summary} over ${labels.length} days`, series, { bars, lines: [] });
}

/** One line per series over the labels (subscribers over time, a send's messages over time). */
export function lines(title: string, labels: readonly string[], series: readonly Series[]): Chart {
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const paths = series.map((s) => ({
    cls: s.cls,
    points: s.values.map((v, i) => `${slotX(labels, i).toFixed(1)},${(Y0 - (v / top) * SPAN).toFixed(1)}`).join(' '),
  }));
  const summary = series.map((s) => `${fmt(s.values.at(-1) ?? 0)} ${s.name}`).join(', ');
  return frame(labels, top, title, `${summary} at the end`, series, { bars: [], lines: paths });
}
