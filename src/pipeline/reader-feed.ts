/** A reader's private feed as the door reads it: whose it is, its validators, then its entries. */
import { createHash } from 'node:crypto';
import { format, parseISO } from 'date-fns';
import { voteUrl } from '../send/message.js';
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

/** A paper of an entry, with its vote links when the reader's email had them. */
export interface ReaderFeedPaper extends FeedPaper {
  votes: { up: string; down: string } | null;
}

export interface ReaderFeedEntry {
  date: string;
  subject: string;
  /** ISO: when it was sent (or, feed only, when it was due). */
  updated: string;
  /** The reader's own edition on the web (`/v/TOKEN`). */
  webUrl: string;
  papers: ReaderFeedPaper[];
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
      entries: () => Promise<ReaderFeedEntry[]>;
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
    .update(`${reader.id}:${reader.feedVersion}:${stamp.count}:${stamp.lastId}:${stamp.lastChange}:${baseUrl}:${listName}`)
    .digest('base64url')
    .slice(0, 27);
  return {
    kind: 'feed',
    reader,
    selfUrl: feedUrl(ctx.messageSettings, reader.id, reader.feedVersion),
    etag: `W/"${tag}"`,
    lastModified: stamp.lastChange ? new Date(stamp.lastChange) : null,
    entries: () => feedEntriesOf(ctx, reader.id, at),
  };
}

async function feedEntriesOf(ctx: AppContext, readerId: number, at: string): Promise<ReaderFeedEntry[]> {
  const rows = await feedRows(ctx.db, readerId, at, FEED_ENTRIES);
  const editions = await editionFeedPapers(
    ctx.db,
    rows.flatMap((r) => (r.editionId === null ? [] : [r.editionId])),
  );
  // Rows from before editions were the digest itself (and their emails had no vote links).
  const digests = await digestFeedPapers(
    ctx.db,
    rows.flatMap((r) => (r.editionId === null ? [r.digestId] : [])),
  );
  const settings = ctx.messageSettings;
  return rows.map((r: FeedRow) => {
    const voteToken = signVoteToken(settings.secret, readerId, r.date);
    const papers = r.editionId === null ? (digests.get(r.digestId) ?? []) : (editions.get(r.editionId) ?? []);
    return {
      date: r.date,
      subject: r.subject || `${ctx.config.listName} · ${format(parseISO(r.date), 'd MMM yyyy')}`,
      updated: r.sentAt ?? r.dueAt ?? r.updatedAt,
      webUrl: `${settings.baseUrl}/v/${voteToken}`,
      papers: papers.map((p) => ({
        ...p,
        votes:
          r.editionId === null
            ? null
            : { up: voteUrl(settings, voteToken, p.id, 'up'), down: voteUrl(settings, voteToken, p.id, 'down') },
      })),
    };
  });
}
