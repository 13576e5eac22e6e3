import Handlebars from 'handlebars';
import type { Compiled, CompiledCard, CompiledSkeleton, EKey, Measure, Recipe } from './parts.js';
import { stripMarkers } from './personalize.js';

/** An edition's values as they go in: escaped as Handlebars escapes them (HTML), markers broken (text). */
function editionValues(recipe: Recipe, count: number, kind: 'html' | 'text') {
  const v = (s: string) => (kind === 'html' ? Handlebars.escapeExpression(s) : stripMarkers(s));
  return { subject: v(recipe.subject), preheader: v(recipe.preheader), topics: v(recipe.topics), count: String(count) };
}

/** What fills the slot `k` of a card or skeleton. */
function slotValue(
  k: EKey,
  values: { subject: string; preheader: string; topics: string; count: string },
  rank: string,
  why: string,
): string {
  return k === 'rank' ? rank : k === 'rankPad' ? rank.padStart(2, ' ') : k === 'why' ? why : values[k];
}

/** The bytes a part takes once filled (values as editionValues gives them). */
function bytesOf(
  c: Compiled,
  values: { subject: string; preheader: string; topics: string; count: string },
  rank: string,
  why: string,
  measure: Measure,
): number {
  let bytes = c.staticBytes;
  for (const k of c.keys) bytes += measure(slotValue(k, values, rank, why));
  return bytes;
}

/** The part filled in, appended to `out` as pieces: its static strings (shared) and the values. */
function fill(
  out: string[],
  c: Compiled,
  values: { subject: string; preheader: string; topics: string; count: string },
  rank: string,
  why: string,
): void {
  for (let i = 0; i < c.keys.length; i++) {
    const k = c.keys[i] as EKey;
    out.push(c.statics[i] as string, slotValue(k, values, rank, why));
  }
  out.push(c.statics[c.keys.length] as string);
}

/** Pieces as one string by concatenation (V8 joins them only when the text is read). */
function concat(pieces: readonly string[]): string {
  let s = '';
  for (const p of pieces) s += p;
  return s;
}

/**
 * The size in bytes of the HTML assembleFromParts would give, from the parts alone (planning needs
 * no more): the parts' static bytes as compiled (by their measure) and each value by `measure`.
 */
export function assembledHtmlBytes(
  skeleton: CompiledSkeleton,
  cards: readonly CompiledCard[],
  why: readonly (string | null)[],
  recipe: Recipe,
  measure: Measure = (s) => Buffer.byteLength(s),
): number {
  const h = editionValues(recipe, cards.length, 'html');
  let bytes = bytesOf(skeleton.htmlHead, h, '', '', measure) + bytesOf(skeleton.htmlTail, h, '', '', measure);
  for (let i = 0; i < cards.length; i++) {
    const line = why[i] ?? '';
    bytes += bytesOf(
      (cards[i] as CompiledCard).html,
      h,
      String(i + 1),
      line && Handlebars.escapeExpression(line),
      measure,
    );
  }
  return bytes;
}

/**
 * A reader's email from the parts, pure: the skeleton around the cards (in the edition's order),
 * each card's rank and why line filled in, then the edition's values. HTML values are escaped as
 * Handlebars escapes them.
 */
export function assembleFromParts(
  skeleton: CompiledSkeleton,
  cards: readonly CompiledCard[],
  why: readonly (string | null)[],
  recipe: Recipe,
): { html: string; text: string; pieces: { html: string[]; text: string[] } } {
  const h = editionValues(recipe, cards.length, 'html');
  const t = editionValues(recipe, cards.length, 'text');
  const html: string[] = [];
  const text: string[] = [];
  fill(html, skeleton.htmlHead, h, '', '');
  fill(text, skeleton.textHead, t, '', '');
  for (let i = 0; i < cards.length; i++) {
    const c = cards[i] as CompiledCard;
    const line = why[i] ?? '';
    const rank = String(i + 1);
    fill(html, c.html, h, rank, line && Handlebars.escapeExpression(line));
    fill(text, c.text, t, rank, line && stripMarkers(line));
  }
  fill(html, skeleton.htmlTail, h, '', '');
  fill(text, skeleton.textTail, t, '', '');
  return { html: concat(html), text: concat(text), pieces: { html, text } };
}
