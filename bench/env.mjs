// The settings every benchmark runs with: everything in `dir`, the sample papers, no logging.
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/** @param {string} dir @returns {Record<string, string>} */
export function benchEnv(dir) {
  return {
    PAPERBOY_DATABASE_URL: path.join(dir, 'data', 'paperboy.db'),
    PAPERBOY_ARCHIVE_DIR: path.join(dir, 'digests'),
    PAPERBOY_OUTBOX_DIR: path.join(dir, 'outbox'),
    PAPERBOY_SOURCE: `file:${path.join(ROOT, 'samples', 'daily-papers.json')}`,
    PAPERBOY_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    PAPERBOY_FROM: 'Daily Papers <digest@papers.example.org>',
    PAPERBOY_BASE_URL: 'https://papers.example.org',
    PAPERBOY_LOG_LEVEL: 'silent',
  };
}
