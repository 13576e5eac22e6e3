import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { PaperboyError } from '../errors.js';
import type { Db } from '../store/db.js';
import { upsertSubscriber } from '../store/subscribers.js';
import { cleanName, normalizeEmail } from './email.js';

export interface BadRow {
  line: number;
  reason: string;
}

export interface ImportReport {
  added: number;
  updated: number;
  unchanged: number;
  /** Rows whose address appeared earlier in the same file: merged into that row. */
  duplicates: number;
  bad: BadRow[];
}

type Row = { email: string; name: string | null; line: number };

/** Checks one CSV record; returns the subscriber to import or the reason it is rejected. */
export function checkRow(record: Record<string, string | undefined>, line: number): Row | BadRow {
  const raw = record.email?.trim() ?? '';
  if (!raw) return { line, reason: 'email is empty' };
  const email = normalizeEmail(raw);
  if (!email) return { line, reason: `${JSON.stringify(raw.slice(0, 80))} is not an email address` };
  return { email, name: cleanName(record.name), line };
}

const BATCH = 500;

/**
 * Streams a CSV file (header required: `email` and optionally `name`, any order; UTF-8 with or
 * without BOM) into the store as active subscribers. Bad rows are reported with their line number;
 * good rows are imported; an address already stored keeps its status (an unsubscribe is never undone).
 */
export async function importSubscribersCsv(db: Db, file: string): Promise<ImportReport> {
  const report: ImportReport = { added: 0, updated: 0, unchanged: 0, duplicates: 0, bad: [] };
  const seen = new Set<string>();
  let batch: Row[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    await db.transaction().execute(async (trx) => {
      for (const r of rows) {
        const { outcome } = await upsertSubscriber(trx, { email: r.email, name: r.name, status: 'active' });
        report[outcome]++;
      }
    });
  };

  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        const cols = header.map((h) => h.trim().toLowerCase());
        if (!cols.includes('email')) {
          throw new PaperboyError(
            'ECSV',
            `${file} line 1: the header has no "email" column (found: ${cols.join(', ')})`,
            {
              hint: 'the first line must name the columns, e.g. email,name',
            },
          );
        }
        return cols;
      },
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
    }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string | undefined>;
      info: { lines: number };
    }>) {
      const checked = checkRow(record, info.lines);
      if (!('email' in checked)) {
        report.bad.push(checked);
        continue;
      }
      if (seen.has(checked.email)) report.duplicates++;
      seen.add(checked.email);
      batch.push(checked);
      if (batch.length >= BATCH) await flush();
    }
  } catch (err) {
    if (err instanceof PaperboyError) throw err;
    const e = err as NodeJS.ErrnoException & { lines?: number };
    if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR') {
      throw new PaperboyError('ECSV', `${file} cannot be read: ${e.code}`, { hint: 'check the path' });
    }
    await flush();
    throw new PaperboyError('ECSV', `${file} line ${e.lines ?? '?'}: ${e.message}`, {
      hint: `rows before it were imported (${report.added} added); fix the file and import it again`,
    });
  }
  await flush();
  return report;
}
