import type { Config } from '../config.js';
import { fileSource } from './file.js';
import { hfSource } from './hf.js';
import type { PaperSource } from './source.js';

/** The source PAPERBOY_SOURCE names. */
export function createSource(config: Config): PaperSource {
  if (config.source.kind === 'file') return fileSource(config.source.path);
  return hfSource(config.hfApiUrl, {
    timeoutMs: config.sourceTimeoutMs,
    retries: config.sourceRetries,
    retryDelayMs: Math.min(config.retryDelayMs, 2000),
  });
}
