import type { Paper, StoredVote, VoteValue } from '../domain.js';
import { chunked } from './chunks.js';
import { type Db, nowIso } from './db.js';
import { fromPaperRow } from './papers.js';

export type { StoredVote, VoteValue } from '../domain.js';

/**
 * Records a reader's vote on a paper; the latest vote per reader and paper wins. `unchanged` when
 * it was already so (a repeated POST, a double click).
 */
export async function recordVote(
  db: Db,
  v: { subscriberId: number; paperId: string; vote: VoteValue; digestDate: string },
): Promise<'recorded' | 'unchanged'> {
  const now = nowIso();
  const res = await db
    .insertInto('votes')
    .values({
      subscriber_id: v.subscriberId,
      paper_id: v.paperId,
      vote: v.vote,
      digest_date: v.digestDate,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .columns(['subscriber_id', 'paper_id'])
        .doUpdateSet({ vote: v.vote, digest_date: v.digestDate, updated_at: now })
        .where('votes.vote', '<>', v.vote),
    )
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0 ? 'recorded' : 'unchanged';
}

/** Forgets one vote ("forget this", "undo"); false when there was none. */
export async function forgetVote(db: Db, subscriberId: number, paperId: string): Promise<boolean> {
  const res = await db
    .deleteFrom('votes')
    .where('subscriber_id', '=', subscriberId)
    .where('paper_id', '=', paperId)
    .executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Forgets every vote of a reader ("start over"); how many. */
export async function forgetAllVotes(db: Db, subscriberId: number): Promise<number> {
  const res = await db.deleteFrom('votes').where('subscriber_id', '=', subscriberId).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** A reader's current vote on a paper, if any. */
export async function voteOf(db: Db, subscriberId: number, paperId: string): Promise<VoteValue | null> {
  const row = await db
    .selectFrom('votes')
    .select('vote')
    .where('subscriber_id', '=', subscriberId)
    .where('paper_id', '=', paperId)
    .executeTakeFirst();
  return row ? (row.vote > 0 ? 1 : -1) : null;
}

/** A reader's votes, newest first, with their papers. */
export async function votesOf(db: Db, subscriberId: number, limit = 200): Promise<StoredVote[]> {
  const rows = await db
    .selectFrom('votes')
    .innerJoin('papers', 'papers.id', 'votes.paper_id')
    .selectAll('papers')
    .select(['votes.vote', 'votes.digest_date', 'votes.updated_at as voted_at'])
    .where('votes.subscriber_id', '=', subscriberId)
    .orderBy('votes.updated_at', 'desc')
    .orderBy('votes.paper_id')
    .limit(limit)
    .execute();
  return rows.map(({ vote, digest_date, voted_at, ...paper }) => ({
    paper: fromPaperRow(paper),
    vote: vote > 0 ? 1 : -1,
    digestDate: digest_date,
    at: voted_at,
  }));
}

/**
 * The votes of a page of readers, newest first, at most `perReader` each (what a model keeps):
 * one query per chunk of readers. Readers without votes are absent.
 */
export async function votesOfReaders(
  db: Db,
  subscriberIds: readonly number[],
  perReader: number,
): Promise<Map<number, StoredVote[]>> {
  // The votes first, then each paper once: a page of readers votes on the same few papers, and a
  // paper per vote row (its abstract and all) would fill the heap with copies.
  type Row = { subscriber_id: number; paper_id: string; vote: number; digest_date: string; updated_at: string };
  const kept = new Map<number, Row[]>();
  for (const ids of chunked(subscriberIds)) {
    if (ids.length === 0) continue;
    const part = await db
      .selectFrom('votes')
      .select(['subscriber_id', 'paper_id', 'vote', 'digest_date', 'updated_at'])
      .where('subscriber_id', 'in', ids)
      .orderBy('subscriber_id')
      .orderBy('updated_at', 'desc')
      .orderBy('paper_id')
      .execute();
    for (const r of part) {
      let list = kept.get(r.subscriber_id);
      if (!list) {
        list = [];
        kept.set(r.subscriber_id, list);
      }
      if (list.length < perReader) list.push(r);
    }
  }
  const papers = new Map<string, Paper>();
  const wanted = new Set<string>();
  for (const list of kept.values()) for (const r of list) wanted.add(r.paper_id);
  for (const ids of chunked([...wanted])) {
    for (const p of await db.selectFrom('papers').selectAll().where('id', 'in', ids).execute()) {
      papers.set(p.id, fromPaperRow(p));
    }
  }
  const out = new Map<number, StoredVote[]>();
  for (const [id, list] of kept) {
    const votes: StoredVote[] = [];
    for (const r of list) {
      // A vote's paper is always stored (a foreign key).
      const paper = papers.get(r.paper_id);
      if (paper) votes.push({ paper, vote: r.vote > 0 ? 1 : -1, digestDate: r.digest_date, at: r.updated_at });
    }
    out.set(id, votes);
  }
  return out;
}

/** Per paper, the votes that came from the digest of `date`: aggregates only, most voted first. */
export async function voteTally(
  db: Db,
  date: string,
): Promise<{ paperId: string; title: string; up: number; down: number }[]> {
  const rows = await db
    .selectFrom('votes')
    .innerJoin('papers', 'papers.id', 'votes.paper_id')
    .select(['votes.paper_id', 'papers.title', 'votes.vote', db.fn.countAll<number>().as('n')])
    .where('votes.digest_date', '=', date)
    .groupBy(['votes.paper_id', 'papers.title', 'votes.vote'])
    .execute();
  const byPaper = new Map<string, { paperId: string; title: string; up: number; down: number }>();
  for (const r of rows) {
    const t = byPaper.get(r.paper_id) ?? { paperId: r.paper_id, title: r.title, up: 0, down: 0 };
    if (r.vote > 0) t.up += Number(r.n);
    else t.down += Number(r.n);
    byPaper.set(r.paper_id, t);
  }
  return [...byPaper.values()].sort(
    (a, b) => b.up + b.down - (a.up + a.down) || b.up - a.up || a.paperId.localeCompare(b.paperId),
  );
}

/**
 * The paper, when it was a candidate of a digest of `date` or of the six days before (a weekly
 * digest's pool): what a vote link of that date may be about. Undefined otherwise.
 */
export async function votablePaper(db: Db, paperId: string, date: string): Promise<Paper | undefined> {
  const from = new Date(Date.parse(`${date}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  const row = await db
    .selectFrom('papers')
    .selectAll()
    .where('id', '=', paperId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('digest_candidates')
          .innerJoin('digests', 'digests.id', 'digest_candidates.digest_id')
          .select('digest_candidates.paper_id')
          .whereRef('digest_candidates.paper_id', '=', 'papers.id')
          .where('digests.date', '>=', from)
          .where('digests.date', '<=', date),
      ),
    )
    .executeTakeFirst();
  return row ? fromPaperRow(row) : undefined;
}

/** Each reader's votes as `up:PAPER` / `down:PAPER`, newest first, space-separated (for the export). */
export async function voteLists(db: Db, subscriberIds: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const ids of chunked(subscriberIds)) {
    if (ids.length === 0) continue;
    const rows = await db
      .selectFrom('votes')
      .select(['subscriber_id', 'paper_id', 'vote'])
      .where('subscriber_id', 'in', ids)
      .orderBy('subscriber_id')
      .orderBy('updated_at', 'desc')
      .orderBy('paper_id')
      .execute();
    for (const r of rows) {
      const item = `${r.vote > 0 ? 'up' : 'down'}:${r.paper_id}`;
      const had = out.get(r.subscriber_id);
      out.set(r.subscriber_id, had ? `${had} ${item}` : item);
    }
  }
  return out;
}
