/** The words of paperboy (see README → Glossary). */

/** One research paper, as the pipeline sees it whatever the source. */
export interface Paper {
  /** arXiv id without version, e.g. `2509.04664`. */
  id: string;
  title: string;
  /** The abstract, whitespace as the source gave it. */
  summary: string;
  authors: string[];
  upvotes: number;
  /** ISO 8601 time the paper was published. */
  publishedAt: string;
  githubRepo: string | null;
  aiSummary: string | null;
  aiKeywords: string[];
  numComments: number;
  thumbnail: string | null;
  /** arXiv categories, the primary one first (empty when the source does not say). */
  categories: string[];
}

export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced';

/** The names of the weekdays, 0 = Sunday (a weekly reader's `weekday`). */
export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** Why an address is suppressed (unsubscribed or bounced): import never brings it back on its own. */
export type StatusReason = 'unsubscribed' | 'removed' | 'hard-bounce' | 'soft-bounces' | 'imported';

export interface Subscriber {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  statusReason: StatusReason | null;
  topics: string[];
  /** No digest until this time (ISO), when set. */
  pausedUntil: string | null;
  /** The reader's IANA zone; null: PAPERBOY_TIMEZONE. */
  timezone: string | null;
  /** 0–23: the local hour their digest is due; null: the schedule's hour. */
  hour: number | null;
  softBounces: number;
  confirmedAt: string | null;
  confirmSentAt: string | null;
  /** An open sign-up waiting for its confirmation, with what it asked for (applied once confirmed). */
  request: SignUpRequest | null;
  frequency: Frequency;
  /** 0 = Sunday … 6 = Saturday: when a weekly reader gets the week's best. */
  weekday: number;
  /** Send the day's top papers when nothing matches the reader's topics. */
  sendAnyway: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SignUpRequest {
  at: string;
  /** null: keep the stored name. */
  name: string | null;
  /** null: keep the stored topics. */
  topics: string[] | null;
  /** null: keep the stored zone. */
  timezone: string | null;
  /** null: keep the stored hour. */
  hour: number | null;
}

export type Frequency = 'daily' | 'weekly';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';

/** A date of the newsletter, `YYYY-MM-DD`. */
export type IsoDate = string;

/** How an arXiv category is written: an archive, and a subject class after a dot (`cs.LG`, `hep-th`, `math.AG`). */
export const ARXIV_CATEGORY = /^[a-z-]+(?:\.[A-Za-z-]+)?$/;

/** How many deliveries of a digest are in each state. */
export type DeliveryCounts = Record<DeliveryStatus, number>;

export type VoteValue = 1 | -1;

/** A reader's vote on a paper, with the paper as it was stored. */
export interface StoredVote {
  paper: Paper;
  vote: VoteValue;
  digestDate: string;
  at: string;
}

/** The content of a digest: what every reader of its date gets. */
export interface DigestContent {
  date: string;
  subject: string;
  preheader: string;
  /** Compiled HTML and text of the email, per-recipient values still as markers. */
  html: string;
  text: string;
  /** The public web version. */
  webHtml: string;
  webText: string;
}

export interface StoredDigest extends DigestContent {
  id: number;
  status: 'ready' | 'sending' | 'sent';
  createdAt: string;
  sentAt: string | null;
}

/** One shared edition of a digest, as digest.json lists it. */
export interface EditionSummary {
  id: number;
  topics: string[];
  frequency: string;
  subject: string;
  htmlBytes: number;
  papers: { id: string; matched: string[] }[];
  subscribers: number;
}
