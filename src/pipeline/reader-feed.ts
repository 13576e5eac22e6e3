/** A reader's private feed as the door reads it: whose it is, its validators, then its entries. */
import { createHash } from 'node:crypto';
import { format, parseISO } from 'date-fns';
import {
  digestFeedPapers,
  editionFeedPapers,
  type FeedPaper,
  type FeedRow,
  feedRows,
  feedStamp,
} from '../store/reader-feed.js';
import { type FeedReaderRow, feedHolder, feedUrl } from '../subscribers/feed.js';
import { signVoteToken } from '../subscribers/tokens.js';
import type { AppContext } from './context.js';

/** How many editions a reader's feed holds: a month of dailies. */
export const FEED_ENTRIES = 30;

export type { FeedPaper };

export interface ReaderFeedEntry {
  date: string;
  subject: string;
  /** ISO: when it was sent (or, feed only, when it was due). */
  updated: string;
  /** The reader's own edition on the web (`/v/TOKEN`). */
  webUrl: string;
  /** The vote token of the reader's email of that date (its vote links carry it). */
  voteToken: string;
  /**
   * What the entry lists, the same for every reader of it: `e:ID` an edition (its emails had vote
   * links), `d:ID` a digest's own papers (a row from before editions: no vote links).
   */
  list: string;
  votes: boolean;
  /** The papers in order with their why lines; null when the caller said it knows `list` already. */
  papers: FeedPaper[] | null;
}

/**
 * What a token asks for, decided with two small indexed reads and nothing built: `invalid` (404),
 * `gone` (410, unsubscribed), or the reader's feed with its validators (ETag, Last-Modified) and
 * `entries` to read the body only when the client's copy is stale.
 */
export type ReaderFeed =
  | { kind: 'invalid' }
  | { kind: 'gone' }
  | {
      kind: 'feed';
      reader: FeedReaderRow;
      /** The feed's own URL (its self link). */
      selfUrl: string;
      etag: string;
      /** When its newest entry appeared (null: no entry yet). */
      lastModified: Date | null;
      /** The entries, reading the papers only of the lists `known` does not hold (a cache of the door's). */
      entries: (known?: (list: string) => boolean) => Promise<ReaderFeedEntry[]>;
    };

export async function readerFeed(ctx: AppContext, token: string, now: Date = new Date()): Promise<ReaderFeed> {
  const holder = await feedHolder(ctx.db, ctx.secret, token);
  if (holder.kind !== 'reader') return holder;
  const { reader } = holder;
  const at = now.toISOString();
  const stamp = await feedStamp(ctx.db, reader.id, at);
  const { baseUrl, listName } = ctx.config;
  // Everything the body depends on but the papers' own text (a weak validator for that reason).
  const tag = createHash('sha256')
    .update(
      `${reader.id}:${reader.feedVersion}:${stamp.count}:${stamp.lastId}:${stamp.lastChange}:${baseUrl}:${listName}`,
    )
    .digest('base64url')
    .slice(0, 27);
  return {
    kind: 'feed',
    reader,
    selfUrl: feedUrl(ctx.messageSettings, reader.id, reader.feedVersion),
    etag: `W/"${tag}"`,
    lastModified: stamp.lastChange ? new Date(stamp.lastChange) : null,
    entries: (known = () => false) => feedEntriesOf(ctx, reader.id, at, known),
  };
}

async function feedEntriesOf(
  ctx: AppContext,
  readerId: number,
  at: string,
  known: (list: string) => boolean,
): Promise<ReaderFeedEntry[]> {
  const rows = await feedRows(ctx.db, readerId, at, FEED_ENTRIES);
  const listOf = (r: FeedRow) => (r.editionId === null ? `d:${r.digestId}` : `e:${r.editionId}`);
  const wanted = rows.filter((r) => !known(listOf(r)));
  const read = new Set(wanted.map(listOf));
  const editions = await editionFeedPapers(
    ctx.db,
    wanted.flatMap((r) => (r.editionId === null ? [] : [r.editionId])),
  );
  // Rows from before editions were the digest itself (and their emails had no vote links).
  const digests = await digestFeedPapers(
    ctx.db,
    wanted.flatMap((r) => (r.editionId === null ? [r.digestId] : [])),
  );
  const { secret, baseUrl } = ctx.messageSettings;
  return rows.map((r) => {
    const voteToken = signVoteToken(secret, readerId, r.date);
    const list = listOf(r);
    return {
      date: r.date,
      subject: r.subject || `${ctx.config.listName} · ${format(parseISO(r.date), 'd MMM yyyy')}`,
      updated: r.sentAt ?? r.dueAt ?? r.updatedAt,
      webUrl: `${baseUrl}/v/${voteToken}`,
      voteToken,
      list,
      votes: r.editionId !== null,
      papers: read.has(list)
        ? ((r.editionId === null ? digests.get(r.digestId) : editions.get(r.editionId)) ?? [])
        : null,
    };
  });
}
