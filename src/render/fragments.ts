import Handlebars from 'handlebars';
import type { IsoDate, Paper } from '../domain.js';
import { assembledHtmlBytes, assembleFromParts } from './assemble-parts.js';
import { compactHtml } from './compact-html.js';
import {
  buildDigestView,
  type DigestView,
  TOP_CARDS,
  topLook,
  type ViewSettings,
  viewTitle,
  wireMeasure,
} from './digest-view.js';
import { cutAtWord, oneLine } from './helpers.js';
import { compileMjml } from './mjml-thread.js';
import {
  type CompiledCard,
  type CompiledSkeleton,
  cardKey,
  compileCard,
  compileSkeleton,
  EDITION_MARKERS as E,
  type PartRow,
  type Recipe,
  type SkeletonShape,
  skeletonKey,
  skeletonPart,
  splitCards,
} from './parts.js';
import { stripMarkers } from './personalize.js';
import { editionHeading } from './subject.js';
import type { DigestTemplates, TemplateFn } from './templates.js';

/** One edition's own values: its papers in order with their why lines. */
export interface EditionInput {
  papers: readonly Paper[];
  why: readonly (string | null)[];
  topics: readonly string[];
  weekly: boolean;
  anyway: boolean;
}

/** The longest abstracts that fit the budget; shorter, then none, on heavy days. */
export const ABSTRACT_STEPS = [320, 160, 0] as const;

/** The why line as the templates show it: one line, at most 140 characters, no markers. */
export function whyLine(because: string | null, matched: readonly string[]): string | null {
  if (because) return cutAtWord(stripMarkers(oneLine(because)), 140);
  return matched.length ? `Matches: ${stripMarkers(oneLine(matched.join(', ')))}` : null;
}

const marker = (m: string) => new Handlebars.SafeString(m) as unknown as string;

/**
 * The cards and skeletons of one date's pool (why they exist: parts.ts), rendered on first use and
 * kept for the planning run.
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
    const html = splitCards(compactHtml(mjml.html), n);
    const text = splitCards(this.t.text(view), n);
    return html && text ? { html, text } : null;
  }

  /**
   * Every pool paper's card with abstracts of `abstractChars`, with or without a why line, as one
   * of the top of an email (`top`: the stronger card of the first TOP_CARDS) or not.
   */
  cards(abstractChars: number, why: boolean, top = false): Promise<Map<string, CompiledCard> | null> {
    const key = `${abstractChars}:${+why}:${+top}`;
    let p = this.cardSets.get(key);
    if (!p) {
      p = (async () => {
        const view = buildDigestView(this.pool, this.date, { ...this.settings, abstractChars }, false);
        view.papers = view.papers.map((v, i) => ({
          ...v,
          rank: marker(E.rank) as unknown as number,
          rankPad: marker(E.rankPad),
          why: why ? marker(E.why) : null,
          ...topLook(this.pool[i] as Paper, this.settings, top),
        }));
        const out = await this.render(view, this.pool.length);
        if (!out) return null;
        const map = new Map<string, CompiledCard>();
        this.pool.forEach((paper, i) => {
          const card = { html: out.html.cards[i] as string, text: out.text.cards[i] as string };
          map.set(paper.id, compileCard(card, wireMeasure(this.settings)));
          this.fresh.push({ kind: 'card', key: cardKey(abstractChars, why, paper.id, top), ...card });
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
        return compileSkeleton(skeleton, wireMeasure(this.settings));
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
      top: TOP_CARDS,
    };
    for (const abstractChars of ABSTRACT_STEPS) {
      const cards: CompiledCard[] = [];
      for (let i = 0; i < e.papers.length; i++) {
        const card = (await this.cards(abstractChars, e.why[i] !== null, i < TOP_CARDS))?.get(
          (e.papers[i] as Paper).id,
        );
        if (!card) return null;
        cards.push(card);
      }
      const r = { ...recipe, abstractChars };
      if (assembledHtmlBytes(skeleton, cards, e.why, r, wireMeasure(this.settings)) <= budget)
        return { recipe: r, skeleton, cards };
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
