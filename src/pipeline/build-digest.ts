import type { IsoDate, Paper } from '../domain.js';
import { isPaperboyError, PaperboyError } from '../errors.js';
import { type RenderedDigest, renderDigest } from '../render/render-digest.js';
import { selectPapers } from '../select/select-papers.js';
import { fileSource } from '../sources/file.js';
import type { SkippedItem, SourceFailure } from '../sources/source.js';
import { papersInOtherDigests } from '../store/papers.js';
import type { AppContext } from './context.js';
import { withCategories } from './paper-categories.js';
import { viewSettings } from './view-settings.js';

export interface BuiltDigest {
  rendered: RenderedDigest;
  /** The papers of the public digest (the web version), in order. */
  papers: Paper[];
  /** Everything the sources answered for the date: the pool readers' editions are picked from. */
  pool: Paper[];
  /** Items of the source's answer that were malformed and left out. */
  skippedItems: SkippedItem[];
  /** Set when the live source failed and the sample papers were used instead (outbox mode only). */
  sourceNote: string | null;
  /** Sources that failed while others answered: the digest was built without them. */
  sourceFailures: SourceFailure[];
}

/** Asks the configured source; in outbox mode only, falls back to the shipped sample when it cannot be reached. */
async function fetchWithFallback(ctx: AppContext, date: IsoDate) {
  try {
    return { ...(await ctx.source.fetchPapers(date)), sourceNote: null };
  } catch (err) {
    // Only a live source may be stood in for: a missing file: source is a setting to fix.
    const live = ctx.config.sources.every((s) => s.kind !== 'file');
    if (!isPaperboyError(err, 'ESOURCE') || ctx.config.smtpUrl || !live) throw err;
    const note = `${err.message}; outbox mode, so using the sample papers in samples/daily-papers.json instead`;
    // Info, not warn: the run's report carries the note to the person (the CLI's `note:` line, the
    // admin, digest.json); a terminal showed it three times when this was a warning with a reason field.
    ctx.log.info({ event: 'source.fallback', digest_date: date }, note);
    return { ...(await fileSource(ctx.config.samplesPath).fetchPapers(date)), sourceNote: note };
  }
}

/**
 * The day's papers, rendered: fetch, leave out those that went out in another digest, take the
 * top N, compile once. Writes nothing (the caller stores what it keeps). Throws ENOPAPERS when
 * nothing new is left.
 */
export async function buildDigest(ctx: AppContext, date: IsoDate): Promise<BuiltDigest> {
  const answered = await fetchWithFallback(ctx, date);
  const fetched = {
    ...answered,
    // A file: source alone is read offline on purpose; the sample papers stand in when the network is down.
    papers: await withCategories(
      ctx,
      answered.papers,
      date,
      answered.sourceNote === null && ctx.config.sources.some((s) => s.kind !== 'file'),
    ),
  };
  for (const s of fetched.skipped) {
    ctx.log.warn(
      { event: 'source.item.skipped', digest_date: date, index: s.index, paper_id: s.id, reason: s.reason },
      `skipped item ${s.index}${s.id ? ` (${s.id})` : ''} of ${s.source ?? ctx.source.name}: ${s.reason}`,
    );
  }
  for (const f of fetched.failures) {
    ctx.log.error(
      { event: 'source.failed', digest_date: date, source: f.source, err: f.error },
      `${f.source} failed; the digest is built from the other sources: ${f.error}`,
    );
  }
  const already = await papersInOtherDigests(
    ctx.db,
    fetched.papers.map((p) => p.id),
    date,
  );
  const papers = selectPapers(fetched.papers, already, ctx.config.papersPerDigest);
  if (papers.length === 0) {
    const why =
      fetched.papers.length === 0
        ? `the source answered no papers${fetched.skipped.length ? ` (${fetched.skipped.length} malformed items skipped)` : ''}`
        : `all ${fetched.papers.length} papers the source answered already went out in earlier digests`;
    throw new PaperboyError('ENOPAPERS', `no new papers for ${date}: ${why}; nothing was sent`);
  }
  const rendered = await renderDigest(ctx.templates, papers, date, viewSettings(ctx.config));
  for (const w of rendered.warnings) ctx.log.warn({ event: 'render.mjml.warning', digest_date: date }, w);
  return {
    rendered,
    papers,
    pool: fetched.papers,
    skippedItems: fetched.skipped,
    sourceNote: fetched.sourceNote,
    sourceFailures: fetched.failures,
  };
}
