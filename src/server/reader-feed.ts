import type { Context, Hono } from 'hono';
import type { AppContext } from '../pipeline/context.js';
import { readerFeed } from '../pipeline/reader-feed.js';
import { listTemplate, readerAtomFeed } from './feed.js';
import { feedSectionRoutes } from './feed-section.js';

/**
 * Feed readers poll every few minutes; the feed changes once a day. The answer may be kept for 5
 * minutes by the reader's own client only (`private`: the URL is a secret, no shared cache keeps
 * it), then revalidated with If-None-Match / If-Modified-Since, which costs one indexed query and
 * no body. A new edition shows within 5 minutes of being sent; a retired link stops working for a
 * client within the same 5 minutes.
 */
export const FEED_CACHE_CONTROL = 'private, max-age=300';

/** Editions' HTML kept across requests (about 5 KB each). */
const LISTS_KEPT = 2000;

/**
 * `GET /feed/:token`: the reader's private Atom feed, their last 30 editions. A malformed, forged or
 * retired token (the reader asked for a new link) answers 404 with a short text that says nothing
 * of why; an unsubscribed reader's 410. `/feed/preview` is the link of test copies and previews.
 * The POSTs of the preferences page's feed section are here too (feed-section.ts).
 */
export function readerFeedRoutes(app: Hono, ctx: AppContext): void {
  const { listName, baseUrl } = ctx.config;
  // Each edition's papers as HTML, kept: most readers of a list share editions, and an edition
  // never changes once planned (its papers as they were when it was sent).
  const lists = new Map<string, readonly Buffer[]>();

  app.get('/feed/:token', async (c) => {
    const token = c.req.param('token');
    if (token === 'preview') {
      return c.text(
        `This link comes from a test copy or a preview. In a ${listName} email it is the reader's private feed.`,
      );
    }
    const now = new Date();
    const feed = await readerFeed(ctx, token, now);
    if (feed.kind === 'invalid') return plain(c, 'Not found\n', 404);
    if (feed.kind === 'gone') return plain(c, 'This feed has ended: its reader unsubscribed.\n', 410);
    // HTTP dates count whole seconds: a Last-Modified of the second still running could hide a
    // change later in it, so it is given (and If-Modified-Since honoured) once that second is over.
    const second = feed.lastModified && Math.floor(feed.lastModified.getTime() / 1000) * 1000;
    const lastModified = second !== null && second + 1000 <= now.getTime() ? new Date(second) : null;
    c.header('Cache-Control', FEED_CACHE_CONTROL);
    c.header('ETag', feed.etag);
    if (lastModified) c.header('Last-Modified', lastModified.toUTCString());
    c.header('X-Robots-Tag', 'noindex');
    if (notModified(c.req.header('if-none-match'), c.req.header('if-modified-since'), feed.etag, lastModified)) {
      return c.body(null, 304);
    }
    // The lists' templates this answer uses, held from the moment the pipeline is told they are known.
    const held = new Map<string, readonly Buffer[]>();
    const entries = (
      await feed.entries((list) => {
        const t = lists.get(list);
        if (t) held.set(list, t);
        return t !== undefined;
      })
    ).map((e) => {
      let template = held.get(e.list);
      if (e.papers) {
        template = listTemplate(e.papers, e.votes, ctx.messageSettings);
        // The oldest made goes first: the shared editions of the month stay while readers' own come and go.
        if (lists.size >= LISTS_KEPT) lists.delete(lists.keys().next().value as string);
        lists.set(e.list, template);
      }
      return { ...e, template: template ?? [] };
    });
    const body = readerAtomFeed({
      baseUrl,
      listName,
      readerId: feed.reader.id,
      selfUrl: feed.selfUrl,
      updated: feed.lastModified?.toISOString() ?? null,
      entries,
    });
    c.header('Content-Type', 'application/atom+xml; charset=utf-8');
    // Buffer.concat of a feed's size gives a buffer of its own: all of its ArrayBuffer is the body.
    return c.body(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength));
  });

  feedSectionRoutes(app, ctx);
}

function plain(c: Context, text: string, status: 404 | 410): Response {
  c.header('Cache-Control', 'no-store');
  return c.text(text, status);
}

/**
 * RFC 9110 §13.1: If-None-Match decides when present (weak comparison: a `W/` prefix is ignored);
 * else If-Modified-Since, to the second.
 */
export function notModified(
  ifNoneMatch: string | undefined,
  ifModifiedSince: string | undefined,
  etag: string,
  lastModified: Date | null,
): boolean {
  if (ifNoneMatch !== undefined) {
    const opaque = (t: string) => t.trim().replace(/^W\//, '');
    const mine = opaque(etag);
    return ifNoneMatch.split(',').some((t) => t.trim() === '*' || opaque(t) === mine);
  }
  if (ifModifiedSince === undefined || lastModified === null) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && lastModified.getTime() <= since;
}
