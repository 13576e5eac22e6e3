import { addDays, format, parseISO } from 'date-fns';
import { now } from '../clock.js';
import type { Frequency, IsoDate, Paper } from '../domain.js';
import { Fragments, whyLine } from '../render/fragments.js';
import { stopMjmlThread } from '../render/mjml-thread.js';
import { HTML_BUDGET, renderEdition } from '../render/render-digest.js';
import { dueAt, type ListClock, listClock, localWeekday, releaseOf } from '../schedule/waves.js';
import { type Selection, selectForReader } from '../select/editions.js';
import { PersonalRanker, VOTES_READ } from '../select/personal.js';
import { addToLedger, type LedgerRow } from '../store/delivery-plan.js';
import type { StoredDigest } from '../store/digests.js';
import { addEditionParts, candidatePool, deliveredPapers, findEditionId, insertEdition } from '../store/editions.js';
import { recentPapers } from '../store/papers.js';
import { type Receiver, unplannedReceivers } from '../store/subscribers.js';
import { votesOfReaders } from '../store/votes.js';
import { deliveryMessageId } from '../subscribers/tokens.js';
import type { AppContext } from './context.js';
import { viewSettings } from './view-settings.js';

const PAGE = 1000;
/** Stored papers the reader models' features are fitted on besides the pool (about a month of a busy source). */
const STORED_PAPERS = 2000;
/** Readers with votes planned between two turns of the event loop (each takes about half a millisecond). */
const OWN_PER_TURN = 32;

/**
 * Lets timers and I/O run. The store's queries (better-sqlite3 under Kysely) resolve without ever
 * leaving the microtask queue, so a long planning would otherwise hold the event loop: the send's
 * control and lock timers, and the web pages of `serve`, would wait until it ended.
 */
const turn = () => {
  planStats.turns++;
  return new Promise<void>((resolve) => setImmediate(resolve));
};
/** How many times planning let the event loop run, in this process. */
export const planStats = { turns: 0 };

/** The dates whose pools a reader's selection draws from: the day, or the seven days up to it. */
export function poolDates(date: IsoDate, frequency: Frequency): IsoDate[] {
  if (frequency === 'daily') return [date];
  return Array.from({ length: 7 }, (_, i) => format(addDays(parseISO(date), -i), 'yyyy-MM-dd'));
}

/** A reader's wave of one digest: when it is due, and their local weekday then. */
interface Wave {
  dueAt: string;
  /** `dueAt` while it is ahead of the planning; null: it goes now. */
  notBefore: string | null;
  weekday: number;
}

/**
 * The waves of one planning pass, by reader clock (zone and hour): at most a few hundred, however
 * many readers — nothing is computed or allocated per reader but the key. A zone the store holds
 * but this machine does not know (its time zone data is older) falls back to the list's.
 */
function wavesOf(release: number, list: ListClock, at: number) {
  const waves = new Map<string, Wave>();
  const make = (timezone: string | null, hour: number | null): Wave => {
    const due = dueAt({ timezone, hour }, release, list);
    return {
      dueAt: new Date(Math.max(due, at)).toISOString(),
      notBefore: due > at ? new Date(due).toISOString() : null,
      weekday: localWeekday(due, timezone ?? list.timezone),
    };
  };
  return (r: Receiver): Wave => {
    const key = `${r.timezone ?? ''}\n${r.hour ?? ''}`;
    let w = waves.get(key);
    if (!w) {
      try {
        w = make(r.timezone, r.hour);
      } catch {
        w = make(null, r.hour);
      }
      waves.set(key, w);
    }
    return w;
  };
}

/** Whether a reader gets this date at all: weekly on their weekday, daily on a send day — in their own week. */
const plannedOn = (r: Receiver, w: Wave, sendDays: readonly number[]) =>
  r.frequency === 'weekly' ? r.weekday === w.weekday : sendDays.includes(w.weekday);

/**
 * For a dry run: how many receiving readers not in the ledger of `digestId` yet (0: no digest
 * stored) would be planned for a later wave than now, and when the first of those is due.
 */
export async function unplannedWaiting(
  ctx: AppContext,
  date: IsoDate,
  digestId: number,
  builtAt: number,
): Promise<{ count: number; next: string | null }> {
  const list = listClock(ctx.config);
  const at = now();
  const waveOf = wavesOf(releaseOf(date, list, builtAt), list, at);
  let count = 0;
  let next: string | null = null;
  for (let afterId = 0; ; ) {
    const page = await unplannedReceivers(ctx.db, digestId, { afterId, limit: PAGE, now: new Date(at).toISOString() });
    if (page.length === 0) return { count, next };
    afterId = page.at(-1)?.id ?? afterId;
    for (const r of page) {
      const w = waveOf(r);
      if (!plannedOn(r, w, ctx.config.sendDays) || r.feedOnly || w.notBefore === null) continue;
      count++;
      if (next === null || w.notBefore < next) next = w.notBefore;
    }
    await turn();
  }
}

/**
 * Writes the ledger for every receiving subscriber not in it yet: each reader's selection (their
 * topics, less what they already got), grouped into editions — readers with the same selection
 * share one edition, rendered and compiled once — or a `skipped` row when nothing is left for them.
 * Each row is due at the reader's wave (src/schedule/waves.ts: their hour, at or after the digest's
 * release); daily readers are planned when that falls on one of PAPERBOY_SEND_DAYS in their own
 * week, weekly readers when it falls on their weekday. A feed-only reader's row is `feed`: their
 * selection, for their private feed, never sent.
 */
export async function planDeliveries(
  ctx: AppContext,
  digest: StoredDigest,
): Promise<{ editionsRendered: number; planned: number }> {
  const { db, config } = ctx;
  const date = digest.date;
  const list = listClock(config);
  const waveOf = wavesOf(releaseOf(date, list, Date.parse(digest.createdAt)), list, now());
  const pools = new Map<Frequency, Promise<{ paper: Paper; day: string }[]>>();
  const poolFor = (f: Frequency) => {
    let p = pools.get(f);
    if (!p) {
      p = candidatePool(db, poolDates(date, f));
      pools.set(f, p);
    }
    return p;
  };
  const rankers = new Map<Frequency, PersonalRanker>();
  // The features learn from the store's newest papers too (one read, for the first reader with votes).
  let stored: Promise<Paper[]> | undefined;
  const rankerFor = async (f: Frequency, pool: { paper: Paper; day: string }[]) => {
    let r = rankers.get(f);
    if (!r) {
      stored ??= recentPapers(db, STORED_PAPERS);
      r = new PersonalRanker(pool, await stored);
      rankers.set(f, r);
    }
    return r;
  };
  const editionIds = new Map<string, number>();
  let editionsRendered = 0;
  let planned = 0;

  const editionFor = async (sel: Selection): Promise<number> => {
    const known = editionIds.get(sel.key) ?? (await findEditionId(db, digest.id, sel.key));
    if (known !== undefined) {
      editionIds.set(sel.key, known);
      return known;
    }
    const papers = sel.papers.map((s) => s.paper);
    const rendered = await renderEdition(ctx.templates, papers, date, viewSettings(config), {
      matched: sel.papers.map((s) => s.matched),
      because: sel.papers.map((s) => s.because ?? null),
      topics: sel.topics,
      weekly: sel.frequency === 'weekly',
      anyway: sel.anyway,
    });
    editionsRendered++;
    const id = await insertEdition(db, {
      digestId: digest.id,
      key: sel.key,
      topics: sel.topics,
      frequency: sel.frequency,
      ...rendered,
      papers: sel.papers.map((s) => ({
        id: s.paper.id,
        matched: s.matched,
        why: whyLine(s.because ?? null, s.matched),
      })),
    });
    editionIds.set(sel.key, id);
    return id;
  };

  // A reader's own selection is assembled from the pool's per-paper parts (rendered once per date),
  // stored as its papers and a recipe: no MJML and no compiled email per reader. Not remembered here
  // by key either (one per reader: a million keys would fill the heap); the store's unique key makes
  // a re-plan find the same edition.
  const fragments = new Map<Frequency, Fragments | null>();
  const personalEdition = async (sel: Selection, pool: readonly { paper: Paper }[]): Promise<number> => {
    let fr = fragments.get(sel.frequency);
    if (fr === undefined) {
      fr = Fragments.of(
        ctx.templates,
        pool.map((c) => c.paper),
        date,
        viewSettings(config),
      );
      fragments.set(sel.frequency, fr);
    }
    const why = sel.papers.map((s) => whyLine(s.because ?? null, s.matched));
    const papers = sel.papers.map((s) => s.paper);
    const out = fr
      ? await fr.plan(
          { papers, why, topics: sel.topics, weekly: sel.frequency === 'weekly', anyway: sel.anyway },
          HTML_BUDGET,
        )
      : null;
    if (!fr || !out) return editionFor(sel);
    const parts = fr.take();
    if (parts.length > 0) {
      editionsRendered++;
      await addEditionParts(db, digest.id, parts);
    }
    return insertEdition(db, {
      digestId: digest.id,
      key: sel.key,
      topics: sel.topics,
      frequency: sel.frequency,
      subject: out.recipe.subject,
      html: '',
      text: '',
      recipe: JSON.stringify(out.recipe),
      papers: sel.papers.map((s, i) => ({ id: s.paper.id, matched: s.matched, why: why[i] ?? null })),
    });
  };

  // selectForReader is pure: readers with the same frequency, topics, fallback and papers already
  // had from the pool get the same selection, so it is computed once for them (most readers of a
  // large list share one of a few topic sets), and their edition is looked up once. Nothing is
  // allocated per reader but the key: planning a million readers must not fill the heap.
  const NONE: ReadonlySet<string> = new Set();
  /** Selection key → the edition, or null: nothing for these readers. */
  const chosen = new Map<string, number | null>();
  const keyOf = (r: Receiver, had: ReadonlySet<string>) =>
    `${r.frequency}\n${r.sendAnyway}\n${r.topicsJson}\n${had.size === 0 ? '' : [...had].sort().join(' ')}`;
  const choose = async (key: string, r: Receiver, pool: { paper: Paper; day: string }[], had: ReadonlySet<string>) => {
    const reader = { frequency: r.frequency, sendAnyway: r.sendAnyway, topics: JSON.parse(r.topicsJson) as string[] };
    const sel = selectForReader(reader, pool, had, config.papersPerDigest);
    const editionId = sel ? await editionFor(sel) : null;
    if (chosen.size >= 10_000) chosen.clear();
    chosen.set(key, editionId);
    return editionId;
  };

  let ownSinceTurn = 0;
  let stops = 0;
  for (let afterId = 0; ; ) {
    const renderedBefore = editionsRendered;
    const page = await unplannedReceivers(db, digest.id, { afterId, limit: PAGE, now: new Date(now()).toISOString() });
    if (page.length === 0) break;
    afterId = page.at(-1)?.id ?? afterId;
    const due = page.filter((s) => plannedOn(s, waveOf(s), config.sendDays));
    const rows: LedgerRow[] = [];
    for (const frequency of ['daily', 'weekly'] as const) {
      const readers = due.filter((s) => s.frequency === frequency);
      if (readers.length === 0) continue;
      const pool = await poolFor(frequency);
      const delivered = await deliveredPapers(
        db,
        readers.map((r) => r.id),
        pool.map((c) => c.paper.id),
      );
      const votes = await votesOfReaders(
        db,
        readers.map((r) => r.id),
        VOTES_READ,
      );
      for (const r of readers) {
        const had = delivered.get(r.id) ?? NONE;
        const own = votes.get(r.id);
        let editionId: number | null;
        if (own) {
          if (++ownSinceTurn >= OWN_PER_TURN) {
            ownSinceTurn = 0;
            await turn();
          }
          // A reader with votes gets their own ranking: no two are alike, nothing to share but the edition.
          const ranker = await rankerFor(frequency, pool);
          const topics = JSON.parse(r.topicsJson) as string[];
          const model = ranker.modelFor(own, topics);
          const reader = { frequency: r.frequency, sendAnyway: r.sendAnyway, topics };
          const sel = model ? selectForReader(reader, pool, had, config.papersPerDigest, ranker.personal(model)) : null;
          editionId = sel ? await personalEdition(sel, pool) : null;
        } else {
          const key = keyOf(r, had);
          const known = chosen.get(key);
          editionId = known === undefined ? await choose(key, r, pool, had) : known;
        }
        const wave = waveOf(r);
        rows.push(
          editionId !== null
            ? {
                subscriberId: r.id,
                editionId,
                status: r.feedOnly ? 'feed' : 'pending',
                note: null,
                dueAt: wave.dueAt,
                notBefore: wave.notBefore,
              }
            : {
                subscriberId: r.id,
                editionId: null,
                status: 'skipped',
                note: 'no matching papers',
                dueAt: wave.dueAt,
                notBefore: null,
              },
        );
      }
    }
    await addToLedger(db, digest.id, rows, (id) => deliveryMessageId(ctx.secret, date, id, config.from.domain));
    planned += rows.length;
    await turn();
    // Most editions are rendered on the first pages: MJML's thread (about 50 MB) is ended after
    // a page that rendered, rather than held through the rest of the list, a few times at most
    // (starting it again costs a few hundred ms; past that it ends when idle for a moment).
    if (editionsRendered > renderedBefore && stops < 3) {
      stops++;
      stopMjmlThread();
    }
  }
  // The send that follows needs no MJML: its memory goes back now, not after the idle delay.
  stopMjmlThread();
  return { editionsRendered, planned };
}
