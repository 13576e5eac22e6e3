import type { Config, SourceSpec } from '../config.js';
import { arxivSource } from './arxiv.js';
import { arxivCategoryLookup, type CategoryLookup } from './arxiv-categories.js';
import { combinedSource } from './combined.js';
import { fileSource } from './file.js';
import { hfSource } from './hf.js';
import type { FetchPolicy } from './http.js';
import type { PaperSource } from './source.js';

/** How a source's requests time out and are retried. */
export function sourcePolicy(config: Config): FetchPolicy {
  return {
    timeoutMs: config.sourceTimeoutMs,
    retries: config.sourceRetries,
    retryDelayMs: Math.min(config.retryDelayMs, 2000),
  };
}

function one(config: Config, spec: SourceSpec): PaperSource {
  const policy = sourcePolicy(config);
  switch (spec.kind) {
    case 'file':
      return fileSource(spec.path);
    case 'arxiv':
      return arxivSource(spec, {
        apiUrl: config.arxivApiUrl,
        policy,
        maxResults: config.arxivMaxResults,
        intervalMs: config.arxivIntervalMs,
      });
    case 'hf':
      return hfSource(config.hfApiUrl, policy);
  }
}

/** The source(s) PAPERBOY_SOURCE names; several are asked together and merged by arXiv id. */
export function createSource(config: Config): PaperSource {
  return combinedSource(config.sources.map((spec) => one(config, spec)));
}

/** The category lookup the settings ask for (PAPERBOY_ARXIV_CATEGORIES), or null. */
export function createCategoryLookup(config: Config): CategoryLookup | null {
  if (!config.arxivCategories) return null;
  return arxivCategoryLookup({
    apiUrl: config.arxivApiUrl,
    policy: sourcePolicy(config),
    intervalMs: config.arxivIntervalMs,
  });
}
