import type { IsoDate } from '../domain.js';
import { errorMessage } from '../errors.js';
import { mergePapers } from './merge.js';
import type { PaperSource, SourceResult } from './source.js';

/**
 * Several sources as one: asked together, papers merged by arXiv id. A source that fails is
 * named in `failures` and the run goes on with the others; only when every source fails does the
 * whole fetch fail (with the first source's error).
 */
export function combinedSource(sources: readonly PaperSource[]): PaperSource {
  if (sources.length === 1 && sources[0]) return sources[0];
  return {
    name: sources.map((s) => s.name).join(' + '),
    async fetchPapers(date: IsoDate): Promise<SourceResult> {
      const results = await Promise.allSettled(sources.map((s) => s.fetchPapers(date)));
      const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failures = results.flatMap((r, i) =>
        r.status === 'rejected' ? [{ source: sources[i]?.name ?? `source ${i}`, error: errorMessage(r.reason) }] : [],
      );
      if (ok.length === 0) {
        const first = results.find((r) => r.status === 'rejected');
        throw first?.status === 'rejected' ? first.reason : new Error('no source answered');
      }
      return {
        papers: mergePapers(ok.map((r) => r.papers)),
        skipped: results.flatMap((r, i) =>
          r.status === 'fulfilled' ? r.value.skipped.map((s) => ({ ...s, source: sources[i]?.name })) : [],
        ),
        failures: [...failures, ...ok.flatMap((r) => r.failures)],
      };
    },
  };
}
