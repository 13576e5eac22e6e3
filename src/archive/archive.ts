import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeliveryCounts, EditionSummary, Paper, StoredDigest } from '../domain.js';

async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

/**
 * Writes `DIR/YYYY-MM-DD/index.html` (web version), `digest.txt` and `digest.json` (the papers and,
 * once a send ran, its delivery counts). Rewriting is harmless: the files only follow the store.
 */
export async function writeArchive(
  dir: string,
  digest: StoredDigest,
  papers: readonly Paper[],
  counts: DeliveryCounts | null,
  editions: readonly EditionSummary[] = [],
  /** Readers' own editions (from their votes): one per reader, counted rather than listed. */
  personalEditions: { editions: number; readers: number } = { editions: 0, readers: 0 },
): Promise<string> {
  const folder = path.join(dir, digest.date);
  await mkdir(folder, { recursive: true });
  const json = {
    date: digest.date,
    subject: digest.subject,
    preheader: digest.preheader,
    status: digest.status,
    createdAt: digest.createdAt,
    sentAt: digest.sentAt,
    htmlBytes: Buffer.byteLength(digest.html),
    deliveries: counts,
    papers: papers.map((p, i) => ({ rank: i + 1, ...p })),
    editions,
    personalEditions,
  };
  await writeAtomic(path.join(folder, 'index.html'), digest.webHtml);
  await writeAtomic(path.join(folder, 'digest.txt'), digest.webText);
  await writeAtomic(path.join(folder, 'digest.json'), `${JSON.stringify(json, null, 2)}\n`);
  return folder;
}
