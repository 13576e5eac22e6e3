import type { IsoDate, Paper } from '../domain.js';
import { isArxivId } from '../sources/arxiv-id.js';
import { storedCategories } from '../store/papers.js';
import type { AppContext } from './context.js';

/**
 * The day's papers with their arXiv categories, so that category topics (`cs.LG`) and the reader
 * models work with a source that gives none (Hugging Face): the source's own, else those stored
 * with the paper, else looked up on arXiv (PAPERBOY_ARXIV_CATEGORIES, one request per 100 papers,
 * 3 s apart). When arXiv does not answer, the digest is built without the missing ones (a warning).
 * `live`: false when no network source is configured (file: only) or the sample papers stood in.
 */
export async function withCategories(
  ctx: AppContext,
  papers: readonly Paper[],
  date: IsoDate,
  live: boolean,
): Promise<Paper[]> {
  const missing = papers.filter((p) => p.categories.length === 0).map((p) => p.id);
  if (missing.length === 0) return [...papers];
  const found = await storedCategories(ctx.db, missing);
  const ask = missing.filter((id) => !found.has(id) && isArxivId(id));
  if (ask.length > 0 && ctx.categories && live) {
    const looked = await ctx.categories.categoriesOf(ask);
    for (const [id, c] of looked.found) found.set(id, c);
    if (looked.error) {
      ctx.log.warn(
        {
          event: 'source.categories.failed',
          digest_date: date,
          asked: ask.length,
          found: looked.found.size,
          err: looked.error,
        },
        `the arXiv categories of ${ask.length - looked.found.size} of ${ask.length} papers could not be looked up; the digest is built without them: ${looked.error}`,
      );
    } else {
      ctx.log.info(
        { event: 'source.categories', digest_date: date, asked: ask.length, found: looked.found.size },
        `looked up the arXiv categories of ${ask.length} papers (${looked.found.size} found)`,
      );
    }
  }
  return papers.map((p) => {
    const c = p.categories.length === 0 ? found.get(p.id) : undefined;
    return c ? { ...p, categories: c } : p;
  });
}
