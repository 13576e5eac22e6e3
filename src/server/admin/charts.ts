import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/**
 * The admin's pictures, drawn on the server as inline SVG: no script, the page's style sheet colours
 * them (`.c-*` classes, with dark-mode colours), every label escaped. Pure functions of the figures.
 */

export interface Series {
  name: string;
  /** A class of the page's style sheet: c-sent, c-failed, c-bounced, c-active, c-unsub. */
  cls: string;
  values: readonly number[];
}

const W = 640;
const H = 200;
const PAD = { left: 44, right: 8, top: 10, bottom: 34 };

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

function frame(
  labels: readonly string[],
  top: number,
  title: string,
  summary: string,
  body: HtmlEscapedString | Promise<HtmlEscapedString>,
  series: readonly Series[],
) {
  const y0 = H - PAD.bottom;
  const x = (i: number) => PAD.left + ((W - PAD.left - PAD.right) * (i + 0.5)) / Math.max(1, labels.length);
  const ticks = labels.length <= 1 ? [0] : [0, Math.floor((labels.length - 1) / 2), labels.length - 1];
  const id = `${title.replace(/\W+/g, '-')}-t`;
  return html`<figure class="chart">
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}">
      <title id="${id}">${title}: ${summary}</title>
      <line class="axis" x1="${PAD.left}" y1="${y0}" x2="${W - PAD.right}" y2="${y0}"/>
      <line class="grid" x1="${PAD.left}" y1="${PAD.top}" x2="${W - PAD.right}" y2="${PAD.top}"/>
      <text class="label" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${fmt(top)}</text>
      <text class="label" x="${PAD.left - 6}" y="${y0}" text-anchor="end">0</text>
      ${body}
      ${ticks.map(
        (i, k) =>
          html`<text class="label" x="${k === 0 ? PAD.left : k === ticks.length - 1 && k > 0 ? W - PAD.right : x(i)}" y="${H - 16}" text-anchor="${k === 0 ? 'start' : k === ticks.length - 1 ? 'end' : 'middle'}">${labels[i] ?? ''}</text>`,
      )}
    </svg>
    <figcaption>${title} · ${series.map((s) => html`<span class="key ${s.cls}">■</span> ${s.name} `)}</figcaption>
  </figure>`;
}

/** Bars per label, the series stacked (deliveries per day: sent, failed, bounced). */
export function stackedBars(title: string, labels: readonly string[], series: readonly Series[]) {
  const totals = labels.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const top = niceMax(Math.max(0, ...totals));
  const y0 = H - PAD.bottom;
  const span = y0 - PAD.top;
  const slot = (W - PAD.left - PAD.right) / Math.max(1, labels.length);
  const bars = labels.flatMap((label, i) => {
    let base = y0;
    return series.flatMap((s) => {
      const v = s.values[i] ?? 0;
      if (v <= 0) return [];
      const h = Math.max(1, (v / top) * span);
      base -= h;
      return [
        html`<rect class="${s.cls}" x="${(PAD.left + i * slot + slot * 0.15).toFixed(1)}" y="${base.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}"><title>${label}: ${fmt(v)} ${s.name}</title></rect>`,
      ];
    });
  });
  const summary = series.map((s) => `${fmt(s.values.reduce((a, b) => a + b, 0))} ${s.name}`).join(', ');
  return frame(labels, top, title, `${summary} over ${labels.length} days`, html`${bars}`, series);
}

/** One line per series over the labels (subscribers over time, a send's messages over time). */
export function lines(title: string, labels: readonly string[], series: readonly Series[]) {
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const y0 = H - PAD.bottom;
  const span = y0 - PAD.top;
  const x = (i: number) => PAD.left + ((W - PAD.left - PAD.right) * (i + 0.5)) / Math.max(1, labels.length);
  const paths = series.map(
    (s) =>
      html`<polyline class="${s.cls} line" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${(y0 - (v / top) * span).toFixed(1)}`).join(' ')}"/>`,
  );
  const summary = series.map((s) => `${fmt(s.values.at(-1) ?? 0)} ${s.name}`).join(', ');
  return frame(labels, top, title, `${summary} at the end`, html`${paths}`, series);
}
