/** A reader's private feed: its link (signed with the reader's feed version), a new link, "feed only". */
import type { Db } from '../store/db.js';
import { bumpFeedVersion, type FeedReaderRow, feedReader, setFeedOnly } from '../store/reader-feed.js';
import { signFeedToken, verifyFeedToken } from './tokens.js';

export type { FeedReaderRow };

/** `BASE/feed/TOKEN`: the reader's private Atom feed at this version of their link. */
export function feedUrl(s: { baseUrl: string; secret: string }, subscriberId: number, version: number): string {
  return `${s.baseUrl}/feed/${signFeedToken(s.secret, subscriberId, version)}`;
}

/**
 * Whose feed a token opens: `invalid` for a malformed, forged or retired token (a version the
 * reader replaced) and for a reader who is gone; `gone` once the reader unsubscribed (or was
 * removed); else the reader.
 */
export type FeedHolder = { kind: 'invalid' } | { kind: 'gone' } | { kind: 'reader'; reader: FeedReaderRow };

export async function feedHolder(db: Db, secret: string, token: string): Promise<FeedHolder> {
  const who = verifyFeedToken(secret, token);
  const reader = who ? await feedReader(db, who.id) : undefined;
  if (!who || !reader || reader.feedVersion !== who.version) return { kind: 'invalid' };
  return reader.status === 'unsubscribed' ? { kind: 'gone' } : { kind: 'reader', reader };
}

/** The reader's feed link and whether they chose "feed only"; undefined when there is no such reader. */
export async function readerFeedLink(
  db: Db,
  s: { baseUrl: string; secret: string },
  subscriberId: number,
): Promise<{ url: string; feedOnly: boolean } | undefined> {
  const r = await feedReader(db, subscriberId);
  return r && { url: feedUrl(s, r.id, r.feedVersion), feedOnly: r.feedOnly };
}

/** "New feed link": the next version of the reader's link, returned; every older link stops working. */
export async function renewFeedLink(
  db: Db,
  s: { baseUrl: string; secret: string },
  subscriberId: number,
): Promise<string | undefined> {
  const version = await bumpFeedVersion(db, subscriberId);
  return version === undefined ? undefined : feedUrl(s, subscriberId, version);
}

/** "Feed only (no email)": planning then writes the reader's edition to the ledger as `feed`, unsent. */
export async function chooseFeedOnly(db: Db, subscriberId: number, on: boolean): Promise<void> {
  await setFeedOnly(db, subscriberId, on);
}
