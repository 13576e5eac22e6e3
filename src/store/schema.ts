import type { Generated } from 'kysely';

/** Tables of the store, as Kysely sees them. Times are ISO 8601 strings (UTC). */
export interface Database {
  papers: PapersTable;
  subscribers: SubscribersTable;
  digests: DigestsTable;
  digest_papers: DigestPapersTable;
  deliveries: DeliveriesTable;
  bounces: BouncesTable;
  digest_candidates: { digest_id: number; paper_id: string };
  editions: EditionsTable;
  edition_papers: { edition_id: number; paper_id: string; position: number; matched: string; why: string | null };
  edition_parts: { digest_id: number; kind: string; key: string; html: string; text: string };
  rate_buckets: { name: string; tokens: number; updated_ms: number };
  counters: { name: string; value: number };
  votes: VotesTable;
  events: EventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

/** What happened (subscriber.confirmed, subscriber.unsubscribed, subscriber.bounced, digest.sent): the webhooks' outbox. */
export interface EventsTable {
  id: Generated<number>;
  /** The webhook-id receivers drop repeats by: `msg_` and 26 random base32 characters. */
  uid: string;
  type: string;
  /** JSON object. */
  data: string;
  created_at: string;
}

/** One event to one webhook URL: pending until answered 2xx (delivered) or out of tries (failed). */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  event_id: number;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Generated<number>;
  next_at: string;
  last_status: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** A reader's "More like this" (1) or "Less like this" (-1) on a paper: the latest one counts. */
export interface VotesTable {
  subscriber_id: number;
  paper_id: string;
  vote: number;
  /** The digest date whose email (or web version) the vote came from. */
  digest_date: string;
  created_at: string;
  updated_at: string;
}

export interface EditionsTable {
  id: Generated<number>;
  digest_id: number;
  /** Frequency, topics and the selected paper ids: readers with equal keys share the edition. */
  key: string;
  /** JSON array of the readers' topics. */
  topics: string;
  frequency: string;
  subject: string;
  /** Compiled HTML and text, per-recipient values as markers. */
  html: string;
  text: string;
  /** For an edition assembled from the digest's edition_parts (html and text empty): how, as JSON. */
  recipe: string | null;
  created_at: string;
}

export interface PapersTable {
  id: string;
  title: string;
  summary: string;
  /** JSON array of names. */
  authors: string;
  upvotes: number;
  published_at: string;
  github_repo: string | null;
  ai_summary: string | null;
  /** JSON array of keywords. */
  ai_keywords: string;
  num_comments: number;
  thumbnail: string | null;
  /** JSON array of arXiv categories, primary first. */
  categories: string;
  updated_at: string;
}

export interface SubscribersTable {
  id: Generated<number>;
  email: string;
  name: string | null;
  status: string;
  created_at: string;
  updated_at: string;
  /** JSON array of keywords. */
  topics: Generated<string>;
  paused_until: string | null;
  /** Why the address left: unsubscribed, removed (by an admin), hard-bounce, soft-bounces. */
  status_reason: string | null;
  confirmed_at: string | null;
  confirm_sent_at: string | null;
  /** When the open sign-up asked for a confirmation; null when none is open. */
  requested_at: string | null;
  /** The name and topics (JSON) that sign-up asked for: applied only once confirmed. */
  requested_name: string | null;
  requested_topics: string | null;
  /** The zone and hour that sign-up asked for (null: keep the stored ones), applied once confirmed. */
  requested_timezone: string | null;
  requested_hour: number | null;
  soft_bounces: Generated<number>;
  frequency: Generated<string>;
  /** 0 = Sunday … 6 = Saturday: the day a weekly reader gets the week's best. */
  weekday: Generated<number>;
  /** 1: send the day's top papers when nothing matches the reader's topics. */
  send_anyway: Generated<number>;
  /** IANA zone of the reader's clock; null: PAPERBOY_TIMEZONE. */
  timezone: string | null;
  /** 0–23: the local hour the reader's digest is due; null: the schedule's hour. */
  hour: number | null;
  /** 1: no email; the reader's private feed keeps coming. */
  feed_only: Generated<number>;
  /** The version of the reader's feed token: a new token is the next one, older ones stop working. */
  feed_version: Generated<number>;
}

export interface BouncesTable {
  id: Generated<number>;
  subscriber_id: number;
  delivery_id: number | null;
  kind: 'hard' | 'soft';
  source: 'smtp' | 'dsn';
  status: string;
  detail: string | null;
  dedupe_key: string | null;
  created_at: string;
}

export interface DigestsTable {
  id: Generated<number>;
  date: string;
  subject: string;
  preheader: string;
  /** Compiled HTML of the email, per-recipient values still as placeholders. */
  html: string;
  /** Plain-text part, per-recipient values still as placeholders. */
  text: string;
  /** The public web version (no personal values). */
  web_html: string;
  /** The public plain-text version. */
  web_text: string;
  status: string;
  created_at: string;
  sent_at: string | null;
  lock_owner: string | null;
  lock_expires_at: number | null;
  /** run | pause | cancel: what an admin asked of the send. */
  control: Generated<string>;
}

export interface DigestPapersTable {
  digest_id: number;
  paper_id: string;
  position: number;
}

export interface DeliveriesTable {
  id: Generated<number>;
  digest_id: number;
  subscriber_id: number;
  status: string;
  attempts: number;
  message_id: string;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  edition_id: number | null;
  /** The process (host/pid@start) that claimed a `sending` delivery. */
  claimed_by: string | null;
  /** ISO time: a deferred delivery is not claimed before it. */
  not_before: string | null;
  /** ISO time of the first deferral (4xx) that outlived a send's retries. */
  deferred_since: string | null;
  /** ISO time the delivery's wave is due (the reader's hour on their local day); null: at once. */
  due_at: string | null;
}
