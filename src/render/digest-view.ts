import { format, parseISO } from 'date-fns';
import { type Brand, DEFAULT_ACCENT, DEFAULT_ACCENT_DARK } from '../config-values.js';
import type { IsoDate, Paper } from '../domain.js';
import { cutAtWord, oneLine, safeUrl, shortAbstract, shortAuthors } from './helpers.js';
import { stripMarkers } from './personalize.js';
import { editionHeading } from './subject.js';

export interface PaperView {
  rank: number;
  id: string;
  title: string;
  url: string;
  absUrl: string;
  pdfUrl: string;
  codeUrl: string | null;
  authors: string;
  upvotes: number;
  numComments: number;
  /** Hugging Face's one-line AI summary, shown as the paper's TL;DR above the abstract (null: none). */
  tldr: string | null;
  abstract: string;
  /** One of the first TOP_CARDS: a stronger card (accent bar, larger title, the thumbnail if on). */
  top: boolean;
  /** The source's thumbnail (absolute https) for a top card, with PAPERBOY_THUMBNAILS on; else null. */
  thumbnail: string | null;
  /** The rank as the text part shows it, right-aligned to two columns (` 1`, `10`). */
  rankPad: string;
  /** The primary arXiv category, when a source gave one. */
  category: string | null;
  /** Why it is in this reader's edition: the topics it matches ("sparse attention, RL"). */
  matched: string | null;
  /** The one line saying why: `Because you liked “…”`, or `Matches: …` (null for the plain digest). */
  why: string | null;
  /** The id as it goes in a vote link's path. */
  voteId: string;
}

/** What makes an edition differ from the plain digest of the day. */
export interface EditionOptions {
  /** Per paper (same order), the reader's topics it matches. */
  matched?: readonly (readonly string[])[];
  /** Per paper (same order), the reader's model's reason (`Because you liked “…”`), or null. */
  because?: readonly (string | null)[];
  /** The reader's topics, for the header ("Picked for: …"). */
  topics?: readonly string[];
  weekly?: boolean;
  /** Nothing matched the reader's topics: these are the top papers instead. */
  anyway?: boolean;
}

/** Everything the digest templates see. Built by a pure function from the papers and settings. */
export interface DigestView {
  listName: string;
  /** The link colours (light, dark) and the logo, from the settings. */
  accent: string;
  accentDark: string;
  logo: Brand['logo'];
  date: IsoDate;
  dateLong: string;
  dateShort: string;
  subject: string;
  preheader: string;
  count: number;
  papers: PaperView[];
  baseUrl: string;
  webUrl: string;
  /** Papers listed by title and link only, when the email would be too large for Gmail otherwise. */
  more: { title: string; url: string }[];
  /** True for the public web version: no personal values, a generic footer. */
  web: boolean;
  weekly: boolean;
  /** "sparse attention, RL" when the edition was picked for topics. */
  topicsLine: string | null;
  anyway: boolean;
}

export interface ViewSettings {
  listName: string;
  baseUrl: string;
  /** Abstract length in characters (0: no abstract). */
  abstractChars?: number;
  /** Only the first N papers get a card; the rest are listed by title under "More in the web version". */
  cards?: number;
  /** Titles cut to this many characters (the clipping guard's last resort on days of huge titles). */
  titleChars?: number;
  /**
   * The bytes an HTML piece takes on the wire, as the sender encodes it (quoted-printable with
   * CRLF line ends: the caller passes the sender's encoder, which this stage cannot import); what
   * the clipping budget is measured in. UTF-8 bytes when not given.
   */
  wireBytes?: (html: string) => number;
  /** The logo and link colours (config's brand); paperboy's blue and no logo when not given. */
  brand?: Brand;
}

/** The settings' wire measure, or UTF-8 bytes. */
export function wireMeasure(settings: ViewSettings): (html: string) => number {
  return settings.wireBytes ?? ((s) => Buffer.byteLength(s));
}

/** The first cards of an email that stand out. */
export const TOP_CARDS = 3;

/** An absolute https URL as the source gave it, else null (a thumbnail is never http: or relative). */
function httpsUrl(url: string | null): string | null {
  const safe = safeUrl(url);
  return safe?.startsWith('https://') ? safe : null;
}

/** The fields that make a paper's card a top card or not. */
export function topLook(p: Paper, settings: ViewSettings, top: boolean): Pick<PaperView, 'top' | 'thumbnail'> {
  return { top, thumbnail: top && settings.brand?.thumbnails ? httpsUrl(p.thumbnail) : null };
}
/** A TL;DR longer than this (it is meant as one line) is cut at a word. */
export const TLDR_CHARS = 200;

/**
 * The abstract's length for a budget step of `abstractChars`: 5/8 of it when the paper has a TL;DR
 * (200 instead of 320, 100 instead of 160), which says the gist already.
 */
export function abstractLength(abstractChars: number, hasTldr: boolean): number {
  return hasTldr ? Math.round((abstractChars * 5) / 8) : abstractChars;
}

/** Absolute paper page on Hugging Face; arXiv abstract and PDF pages. */
function paperLinks(id: string): Pick<PaperView, 'url' | 'absUrl' | 'pdfUrl'> {
  const enc = encodeURIComponent(id).replace(/%2F/g, '/');
  return {
    url: `https://huggingface.co/papers/${enc}`,
    absUrl: `https://arxiv.org/abs/${enc}`,
    pdfUrl: `https://arxiv.org/pdf/${enc}`,
  };
}

/** A paper's title as the templates show it (one line, no markers). */
export function viewTitle(title: string): string {
  return stripMarkers(oneLine(title));
}

/**
 * The TL;DR (Hugging Face's one-line AI summary, LaTeX already made readable by the source) and the
 * abstract, shorter when there is a TL;DR; an abstract that opens with the TL;DR's very words goes
 * on after them instead of saying them twice.
 */
function tldrAndAbstract(p: Paper, abstractChars: number): { tldr: string | null; abstract: string } {
  const tldr = p.aiSummary ? oneLine(p.aiSummary) : '';
  if (!tldr) return { tldr: null, abstract: stripMarkers(shortAbstract(p.summary, abstractChars)) };
  const summary = oneLine(p.summary);
  const rest = summary.startsWith(tldr) ? summary.slice(tldr.length).trim() : summary;
  return {
    tldr: stripMarkers(cutAtWord(tldr, TLDR_CHARS)),
    abstract: stripMarkers(shortAbstract(rest, abstractLength(abstractChars, true))),
  };
}

export function buildDigestView(
  papers: readonly Paper[],
  date: IsoDate,
  settings: ViewSettings,
  web: boolean,
  edition: EditionOptions = {},
): DigestView {
  const title = (s: string) => (settings.titleChars ? cutAtWord(viewTitle(s), settings.titleChars) : viewTitle(s));
  const views: PaperView[] = papers.map((p, i) => {
    const matched = edition.matched?.[i]?.length ? stripMarkers(oneLine(edition.matched[i]?.join(', ') ?? '')) : null;
    const because = edition.because?.[i] ? stripMarkers(oneLine(edition.because[i] ?? '')) : null;
    return {
      rank: i + 1,
      id: p.id,
      title: title(p.title),
      ...paperLinks(p.id),
      codeUrl: safeUrl(p.githubRepo),
      authors: stripMarkers(shortAuthors(p.authors.map(oneLine))),
      upvotes: p.upvotes,
      numComments: p.numComments,
      ...tldrAndAbstract(p, settings.abstractChars ?? 320),
      rankPad: String(i + 1).padStart(2, ' '),
      ...topLook(p, settings, i < TOP_CARDS),
      category: p.categories[0] ? stripMarkers(oneLine(p.categories[0])) : null,
      matched,
      why: because ? cutAtWord(because, 140) : matched ? `Matches: ${matched}` : null,
      voteId: encodeURIComponent(p.id),
    };
  });
  const cards = settings.cards ?? views.length;
  const listed = views.slice(cards).map((v) => ({ title: v.title, url: v.url }));
  const { subject, preheader } = editionHeading(
    settings.listName,
    date,
    views[0]?.title ?? null,
    views.length,
    edition.weekly === true,
  );
  return {
    listName: settings.listName,
    accent: settings.brand?.accent ?? DEFAULT_ACCENT,
    accentDark: settings.brand?.accentDark ?? DEFAULT_ACCENT_DARK,
    logo: settings.brand?.logo ?? null,
    date,
    dateLong: format(parseISO(date), 'EEEE, d MMMM yyyy'),
    dateShort: format(parseISO(date), 'd MMM yyyy'),
    subject,
    preheader,
    count: views.length,
    papers: views.slice(0, cards),
    more: listed,
    baseUrl: settings.baseUrl,
    webUrl: `${settings.baseUrl}/digests/${date}`,
    web,
    weekly: edition.weekly === true,
    topicsLine: edition.topics?.length ? stripMarkers(oneLine(edition.topics.join(', '))) : null,
    anyway: edition.anyway === true,
  };
}
