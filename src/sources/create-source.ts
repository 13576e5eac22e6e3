import type { Config, SourceSpec } from '../config.js';
import { arxivSource } from './arxiv.js';
import { combinedSource } from './combined.js';
import { fileSource } from './file.js';
import { hfSource } from './hf.js';
import type { PaperSource } from './source.js';

function one(config: Config, spec: SourceSpec): PaperSource {
  const policy = {
    timeoutMs: config.sourceTimeoutMs,
    retries: config.sourceRetries,
    retryDelayMs: Math.min(config.retryDelayMs, 2000),
  };
  switch (spec.kind) {
    case 'file':
      return fileSource(spec.path);
    case 'arxiv':
      return arxivSource(spec, { apiUrl: config.arxivApiUrl, policy, maxResults: config.arxivMaxResults });
    case 'hf':
      return hfSource(config.hfApiUrl, policy);
  }
}

/** The source(s) PAPERBOY_SOURCE names; several are asked together and merged by arXiv id. */
export function createSource(config: Config): PaperSource {
  return combinedSource(config.sources.map((spec) => one(config, spec)));
}
