import Handlebars from 'handlebars';
import type { IsoDate, Paper } from '../domain.js';
import { buildDigestView, type DigestView, editionHeading, type ViewSettings, viewTitle } from './digest-view.js';
import { cutAtWord, oneLine } from './helpers.js';
import { compileMjml } from './mjml-thread.js';
import { stripMarkers } from './personalize.js';
import { CARD_END, CARD_START, type DigestTemplates, type TemplateFn } from './templates.js';

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
const E = {
  rank: '=pb:e_rank=',
  why: '=pb:e_why=',
  subject: '=pb:e_subject=',
  preheader: '=pb:e_preheader=',
  count: '=pb:e_count=',
  topics: '=pb:e_topics=',
} as const;
type EKey = keyof typeof E;
const E_RE = new RegExp(`=pb:e_(${Object.keys(E).join('|')})=`, 'g');

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

export function cardKey(abstractChars: number, why: boolean, paperId: string): string {
  return `${abstractChars}:${why ? 1 : 0}:${paperId}`;
}

/** How an assembled edition is put together again at send time (stored with the edition). */
export interface Recipe {
  skeleton: string;
  abstractChars: number;
  subject: string;
  preheader: string;
  topics: string;
}

/** One edition's own values: its papers in order with their why lines. */
export interface EditionInput {
  papers: readonly Paper[];
  why: readonly (string | null)[];
  topics: readonly string[];
  weekly: boolean;
  anyway: boolean;
}

/** A stored fragment: a card (key cardKey) or a skeleton (key skeletonKey). */
export interface PartRow {
  kind: 'card' | 'skeleton';
  key: string;
  html: string;
  text: string;
}

/** The longest abstracts that fit the budget; shorter, then none, on heavy days. */
export const ABSTRACT_STEPS = [320, 160, 0] as const;

/** The why line as the templates show it: one line, at most 140 characters, no markers. */
export function whyLine(because: string | null, matched: readonly string[]): string | null {
  if (because) return cutAtWord(stripMarkers(oneLine(because)), 140);
  return matched.length ? `Matches: ${stripMarkers(oneLine(matched.join(', ')))}` : null;
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

/** A part split at its markers once: static text around value slots, with the static bytes counted. */
export interface Compiled {
  statics: string[];
  keys: EKey[];
  staticBytes: number;
}

export function compilePart(s: string): Compiled {
  const statics: string[] = [];
  const keys: EKey[] = [];
  let from = 0;
  for (const m of s.matchAll(E_RE)) {
    statics.push(s.slice(from, m.index));
    keys.push(m[1] as EKey);
    from = m.index + m[0].length;
  }
  statics.push(s.slice(from));
  return { statics, keys, staticBytes: statics.reduce((n, x) => n + Buffer.byteLength(x), 0) };
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

export const compileCard = (c: Card): CompiledCard => ({ html: compilePart(c.html), text: compilePart(c.text) });
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

export const compileSkeleton = (s: Skeleton): CompiledSkeleton => ({
  htmlHead: compilePart(s.htmlHead),
  htmlTail: compilePart(s.htmlTail),
  textHead: compilePart(s.textHead),
  textTail: compilePart(s.textTail),
});

/** An edition's values as they go in: escaped as Handlebars escapes them (HTML), markers broken (text). */
function editionValues(recipe: Recipe, count: number, kind: 'html' | 'text') {
  const v = (s: string) => (kind === 'html' ? Handlebars.escapeExpression(s) : stripMarkers(s));
  return { subject: v(recipe.subject), preheader: v(recipe.preheader), topics: v(recipe.topics), count: String(count) };
}

/** The bytes a part takes once filled (values as editionValues gives them). */
function bytesOf(
  c: Compiled,
  values: { subject: string; preheader: string; topics: string; count: string },
  rank: string,
  why: string,
): number {
  let bytes = c.staticBytes;
  for (const k of c.keys) bytes += Buffer.byteLength(k === 'rank' ? rank : k === 'why' ? why : values[k]);
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
    out.push(c.statics[i] as string, k === 'rank' ? rank : k === 'why' ? why : values[k]);
  }
  out.push(c.statics[c.keys.length] as string);
}

/** Pieces as one string by concatenation (V8 joins them only when the text is read). */
function concat(pieces: readonly string[]): string {
  let s = '';
  for (const p of pieces) s += p;
  return s;
}

/** The size in bytes of the HTML assembleFromParts would give, from the parts alone (planning needs no more). */
export function assembledHtmlBytes(
  skeleton: CompiledSkeleton,
  cards: readonly CompiledCard[],
  why: readonly (string | null)[],
  recipe: Recipe,
): number {
  const h = editionValues(recipe, cards.length, 'html');
  let bytes = bytesOf(skeleton.htmlHead, h, '', '') + bytesOf(skeleton.htmlTail, h, '', '');
  for (let i = 0; i < cards.length; i++) {
    const line = why[i] ?? '';
    bytes += bytesOf((cards[i] as CompiledCard).html, h, String(i + 1), line && Handlebars.escapeExpression(line));
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

const marker = (m: string) => new Handlebars.SafeString(m) as unknown as string;

/**
 * The cards and skeletons of one date's pool, rendered on first use and kept for the planning run.
 * Every part rendered is also listed in `fresh`, for the caller to store with the digest.
 */
export class Fragments {
  private readonly cardSets = new Map<string, Promise<Map<string, CompiledCard> | null>>();
  private readonly skeletons = new Map<string, Promise<CompiledSkeleton | null>>();
  /** Parts rendered since the caller last took them. */
  private fresh: PartRow[] = [];

  private constructor(
    private readonly t: { mjml: TemplateFn; text: TemplateFn },
    private readonly pool: readonly Paper[],
    private readonly date: IsoDate,
    private readonly settings: ViewSettings,
  ) {}

  /** Null when the templates do not render papers through the `paper` and `paper-text` partials. */
  static of(
    templates: DigestTemplates,
    pool: readonly Paper[],
    date: IsoDate,
    settings: ViewSettings,
  ): Fragments | null {
    return templates.cards && pool.length > 0 ? new Fragments(templates.cards, pool, date, settings) : null;
  }

  private async render(view: DigestView, n: number) {
    const mjml = await compileMjml(
      this.t.mjml(view),
      'templates/digest.mjml.hbs',
      'fix the template; nothing was sent',
    );
    const html = splitCards(mjml.html, n);
    const text = splitCards(this.t.text(view), n);
    return html && text ? { html, text } : null;
  }

  /** Every pool paper's card with abstracts of `abstractChars`, with or without a why line. */
  cards(abstractChars: number, why: boolean): Promise<Map<string, CompiledCard> | null> {
    const key = `${abstractChars}:${+why}`;
    let p = this.cardSets.get(key);
    if (!p) {
      p = (async () => {
        const view = buildDigestView(this.pool, this.date, { ...this.settings, abstractChars }, false);
        view.papers = view.papers.map((v) => ({
          ...v,
          rank: marker(E.rank) as unknown as number,
          why: why ? marker(E.why) : null,
        }));
        const out = await this.render(view, this.pool.length);
        if (!out) return null;
        const map = new Map<string, CompiledCard>();
        this.pool.forEach((paper, i) => {
          const card = { html: out.html.cards[i] as string, text: out.text.cards[i] as string };
          map.set(paper.id, compileCard(card));
          this.fresh.push({ kind: 'card', key: cardKey(abstractChars, why, paper.id), ...card });
        });
        return map;
      })();
      this.cardSets.set(key, p);
    }
    return p;
  }

  skeleton(shape: SkeletonShape): Promise<CompiledSkeleton | null> {
    const key = skeletonKey(shape);
    let p = this.skeletons.get(key);
    if (!p) {
      p = (async () => {
        const first = this.pool.slice(0, 1);
        const view = buildDigestView(first, this.date, this.settings, false, {
          weekly: shape.weekly,
          anyway: shape.anyway,
        });
        view.subject = marker(E.subject);
        view.preheader = marker(E.preheader);
        view.count = shape.one ? 1 : (marker(E.count) as unknown as number);
        view.topicsLine = shape.topics ? marker(E.topics) : null;
        const out = await this.render(view, 1);
        if (!out) return null;
        const skeleton = {
          htmlHead: out.html.head,
          htmlTail: out.html.tail,
          textHead: out.text.head,
          textTail: out.text.tail,
        };
        this.fresh.push({ kind: 'skeleton', key, ...skeletonPart(skeleton) });
        return compileSkeleton(skeleton);
      })();
      this.skeletons.set(key, p);
    }
    return p;
  }

  /**
   * A reader's email from the parts, with the longest abstracts that keep it within `budget` bytes;
   * null when it cannot be assembled (custom templates, or even without abstracts too large: then
   * the edition is compiled whole, with the "More today" list).
   */
  async assemble(
    e: EditionInput,
    budget: number,
  ): Promise<{ subject: string; html: string; text: string; recipe: Recipe } | null> {
    const planned = await this.plan(e, budget);
    if (!planned) return null;
    return {
      subject: planned.recipe.subject,
      ...assembleFromParts(planned.skeleton, planned.cards, e.why, planned.recipe),
      recipe: planned.recipe,
    };
  }

  /**
   * How the edition is assembled within `budget` bytes of HTML, sized from the parts without
   * building it (what planning stores); null as for assemble.
   */
  async plan(
    e: EditionInput,
    budget: number,
  ): Promise<{ recipe: Recipe; skeleton: CompiledSkeleton; cards: CompiledCard[] } | null> {
    if (e.papers.length === 0) return null;
    const shape = { weekly: e.weekly, anyway: e.anyway, topics: e.topics.length > 0, one: e.papers.length === 1 };
    const skeleton = await this.skeleton(shape);
    if (!skeleton) return null;
    const { subject, preheader } = editionHeading(
      this.settings.listName,
      this.date,
      viewTitle((e.papers[0] as Paper).title),
      e.papers.length,
      e.weekly,
    );
    const recipe: Recipe = {
      skeleton: skeletonKey(shape),
      abstractChars: 0,
      subject,
      preheader,
      topics: stripMarkers(oneLine(e.topics.join(', '))),
    };
    for (const abstractChars of ABSTRACT_STEPS) {
      const withWhy = e.why.some((w) => w !== null) ? await this.cards(abstractChars, true) : null;
      const without = e.why.some((w) => w === null) ? await this.cards(abstractChars, false) : null;
      const cards: CompiledCard[] = [];
      for (let i = 0; i < e.papers.length; i++) {
        const card = (e.why[i] ? withWhy : without)?.get((e.papers[i] as Paper).id);
        if (!card) return null;
        cards.push(card);
      }
      const r = { ...recipe, abstractChars };
      if (assembledHtmlBytes(skeleton, cards, e.why, r) <= budget) return { recipe: r, skeleton, cards };
    }
    return null;
  }

  /** The parts rendered since the last call, to be stored. */
  take(): PartRow[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }
}
