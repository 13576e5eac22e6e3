import { CARD_END, CARD_START } from './templates.js';

/**
 * Readers with votes each get their own selection, so an email per edition would mean an MJML
 * compile per reader. Instead every paper of the day's pool is rendered once per abstract length
 * (HTML and text, "cards"), the page around the cards once per header shape ("skeleton"), and a
 * reader's email is assembled from them by concatenation, with the few edition values (rank, the
 * "why" line, subject, preheader, count, topics) filled into markers — microseconds, no MJML.
 *
 * The markers start with `=pb:`, which Handlebars escapes (`&#x3D;`) in every external string and
 * stripMarkers breaks in the text part: paper data cannot forge one.
 */
export const EDITION_MARKERS = {
  rank: '=pb:e_rank=',
  /** The rank right-aligned to two columns, for the text part (` 1`, `10`). */
  rankPad: '=pb:e_rankPad=',
  why: '=pb:e_why=',
  subject: '=pb:e_subject=',
  preheader: '=pb:e_preheader=',
  count: '=pb:e_count=',
  topics: '=pb:e_topics=',
} as const;
export type EKey = keyof typeof EDITION_MARKERS;
const E_RE = new RegExp(`=pb:e_(${Object.keys(EDITION_MARKERS).join('|')})=`, 'g');

/** One paper's block of an email, with the rank (and, in `why` cards, the why line) as markers. */
export interface Card {
  html: string;
  text: string;
}

/** The email around the cards, with the edition's values as markers. */
export interface Skeleton {
  htmlHead: string;
  htmlTail: string;
  textHead: string;
  textTail: string;
}

/** Which skeleton an edition needs: the header's wording depends on these. */
export interface SkeletonShape {
  weekly: boolean;
  anyway: boolean;
  topics: boolean;
  one: boolean;
}

export function skeletonKey(s: SkeletonShape): string {
  return `w${+s.weekly}a${+s.anyway}t${+s.topics}o${+s.one}`;
}

/** A card's stored key; a top card (the first TOP_CARDS of an email) is another part. */
export function cardKey(abstractChars: number, why: boolean, paperId: string, top = false): string {
  return `${abstractChars}:${why ? 1 : 0}:${paperId}${top ? ':top' : ''}`;
}

/** How an assembled edition is put together again at send time (stored with the edition). */
export interface Recipe {
  skeleton: string;
  abstractChars: number;
  subject: string;
  preheader: string;
  topics: string;
  /** How many of the first cards are top cards (absent in recipes stored before there were any: 0). */
  top?: number;
}

/** A stored fragment: a card (key cardKey) or a skeleton (key skeletonKey). */
export interface PartRow {
  kind: 'card' | 'skeleton';
  key: string;
  html: string;
  text: string;
}

/**
 * A cards render split into what comes before the first card, the `n` cards, and what follows the
 * last; null when the render does not hold exactly `n` cards with nothing but whitespace between
 * them (a custom template that places papers otherwise: its editions are compiled whole).
 */
export function splitCards(doc: string, n: number): { head: string; cards: string[]; tail: string } | null {
  const cards: string[] = [];
  let head = '';
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const s = doc.indexOf(CARD_START, pos);
    if (s < 0) return null;
    if (i === 0) head = doc.slice(0, s);
    else if (doc.slice(pos, s).trim() !== '') return null;
    const e = doc.indexOf(CARD_END, s);
    if (e < 0) return null;
    cards.push(doc.slice(s + CARD_START.length, e));
    pos = e + CARD_END.length;
  }
  if (n === 0 || doc.includes(CARD_START, pos) || doc.includes(CARD_END, pos)) return null;
  return { head, cards, tail: doc.slice(pos) };
}

/** How a piece's bytes are counted: UTF-8 unless a wire measure is given (ViewSettings.wireBytes). */
export type Measure = (s: string) => number;
const utf8: Measure = (s) => Buffer.byteLength(s);

/**
 * A part split at its markers once: static text around value slots, with the static bytes counted
 * (each static piece by `measure`: the sender encodes the pieces one by one).
 */
export interface Compiled {
  statics: string[];
  keys: EKey[];
  staticBytes: number;
}

export function compilePart(s: string, measure: Measure = utf8): Compiled {
  const statics: string[] = [];
  const keys: EKey[] = [];
  let from = 0;
  for (const m of s.matchAll(E_RE)) {
    statics.push(s.slice(from, m.index));
    keys.push(m[1] as EKey);
    from = m.index + m[0].length;
  }
  statics.push(s.slice(from));
  return { statics, keys, staticBytes: statics.reduce((n, x) => n + measure(x), 0) };
}

export interface CompiledCard {
  html: Compiled;
  text: Compiled;
}
export interface CompiledSkeleton {
  htmlHead: Compiled;
  htmlTail: Compiled;
  textHead: Compiled;
  textTail: Compiled;
}

export const compileCard = (c: Card, measure: Measure = utf8): CompiledCard => ({
  html: compilePart(c.html, measure),
  text: compilePart(c.text),
});
/** A skeleton as one stored part: the two halves of each kind around one card marker. */
export function skeletonPart(s: Skeleton): { html: string; text: string } {
  return { html: `${s.htmlHead}${CARD_START}${s.htmlTail}`, text: `${s.textHead}${CARD_START}${s.textTail}` };
}

/** A stored skeleton part split again (null when it is not one). */
export function skeletonOfPart(p: { html: string; text: string }): Skeleton | null {
  const h = p.html.indexOf(CARD_START);
  const t = p.text.indexOf(CARD_START);
  if (h < 0 || t < 0) return null;
  return {
    htmlHead: p.html.slice(0, h),
    htmlTail: p.html.slice(h + CARD_START.length),
    textHead: p.text.slice(0, t),
    textTail: p.text.slice(t + CARD_START.length),
  };
}

export const compileSkeleton = (s: Skeleton, measure: Measure = utf8): CompiledSkeleton => ({
  htmlHead: compilePart(s.htmlHead, measure),
  htmlTail: compilePart(s.htmlTail, measure),
  textHead: compilePart(s.textHead),
  textTail: compilePart(s.textTail),
});
