import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import type { SubscriberStatus } from '../domain.js';
import { fileProblem, PaperboyError } from '../errors.js';
import type { Db } from '../store/db.js';
import { type ImportRow, importBatch } from '../store/subscriber-import.js';
import { cleanName, normalizeEmail } from './email.js';
import { undefuse } from './export-csv.js';
import { checkHour, checkTimezone } from './reader-clock.js';
import { parseTopics } from './topics.js';

export interface BadRow {
  line: number;
  reason: string;
}

export interface ImportReport {
  rows: number;
  added: number;
  /** Existing addresses whose name, topics or status the file changed. */
  updated: number;
  unchanged: number;
  /**
   * Rows whose address comes again later in the same batch of the file: the last one wins (a repeat
   * in a later batch is `updated` or `unchanged`, like any stored address). Every row is counted
   * once: rows = added + updated + unchanged + merged + suppressed + resubscribed + badCount.
   */
  merged: number;
  /** Unsubscribed or bounced addresses left suppressed (use --resubscribe to bring them back). */
  suppressed: number;
  /** Suppressed addresses made active again because --resubscribe was given. */
  resubscribed: number;
  badCount: number;
  /** The first bad rows (the rest are counted, and written with --errors). */
  bad: BadRow[];
}

export interface ImportOptions {
  /** Bring back unsubscribed and bounced addresses listed as active: the admin asks for it explicitly. */
  resubscribe?: boolean;
  /** Write every bad row (line, reason) to this CSV file. */
  errorsFile?: string;
  /** Called with bytes read and the file's size, for a progress bar. */
  onProgress?: (bytes: number, total: number) => void;
}

type Row = ImportRow & { line: number };

const STATUSES = new Set(['active', 'pending', 'unsubscribed', 'bounced']);
const BATCH = 1000;
const KEEP_BAD = 20;

/** Checks one CSV record; returns the subscriber to import or why the row is rejected. */
export function checkRow(record: Record<string, string | undefined>, line: number): Row | BadRow {
  const raw = undefuse(record.email?.trim())?.trim() ?? '';
  if (!raw) return { line, reason: 'email is empty' };
  const email = normalizeEmail(raw);
  if (!email) return { line, reason: `${JSON.stringify(raw.slice(0, 80))} is not an email address` };
  const status = (record.status?.trim().toLowerCase() || 'active') as SubscriberStatus;
  if (!STATUSES.has(status)) {
    return {
      line,
      reason: `status ${JSON.stringify(record.status)} is not one of active, pending, unsubscribed, bounced`,
    };
  }
  const topics = record.topics === undefined ? null : parseTopics(undefuse(record.topics) ?? '');
  // A column left out keeps the stored zone or hour; an empty field is the list's default.
  const timezone = record.timezone === undefined ? undefined : checkTimezone(record.timezone);
  if (timezone && !timezone.ok) return { line, reason: timezone.problem };
  const hour = record.hour === undefined ? undefined : checkHour(record.hour);
  if (hour && !hour.ok) return { line, reason: hour.problem };
  return {
    email,
    name: cleanName(undefuse(record.name)),
    topics,
    status,
    timezone: timezone?.value,
    hour: hour?.value,
    line,
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One record's fields as text, decoded strictly: `invalid` names the first column whose bytes are
 * not UTF-8 (its text is then decoded leniently, only to count its line breaks).
 */
function decodeRecord(bytes: Record<string, Buffer | string | undefined>): {
  record: Record<string, string | undefined>;
  invalid: string | null;
} {
  const record: Record<string, string | undefined> = {};
  let invalid: string | null = null;
  for (const [column, value] of Object.entries(bytes)) {
    if (value === undefined) continue;
    // (An empty field comes as an empty string.)
    if (typeof value === 'string') {
      record[column] = value;
      continue;
    }
    try {
      record[column] = strictUtf8.decode(value);
    } catch {
      invalid ??= column;
      record[column] = value.toString('utf8');
    }
  }
  return { record, invalid };
}

/** Applies one batch of checked rows (one transaction): the last row for an address wins, earlier ones count as merged. */
async function applyBatch(db: Db, rows: Row[], report: ImportReport, opts: ImportOptions): Promise<void> {
  if (rows.length === 0) return;
  const byEmail = new Map<string, Row>();
  for (const r of rows) {
    if (byEmail.has(r.email)) report.merged++;
    byEmail.set(r.email, r);
  }
  const counts = await importBatch(db, [...byEmail.values()], { resubscribe: opts.resubscribe === true });
  report.added += counts.added;
  report.updated += counts.updated;
  report.unchanged += counts.unchanged;
  report.suppressed += counts.suppressed;
  report.resubscribed += counts.resubscribed;
}

/**
 * Streams a CSV file into the store: a header line names the columns (`email` required; `name`,
 * `topics`, `status`, `timezone`, `hour` optional; any order), UTF-8 with or without BOM, quoted fields, CRLF or LF.
 * Bad rows are reported with their line number and skipped; good rows are imported in batched
 * transactions; memory stays flat whatever the file's size. An address already stored is merged;
 * an unsubscribed or bounced one stays suppressed unless `resubscribe` is set.
 */
export async function importSubscribersCsv(db: Db, file: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const report: ImportReport = {
    rows: 0,
    added: 0,
    updated: 0,
    unchanged: 0,
    merged: 0,
    suppressed: 0,
    resubscribed: 0,
    badCount: 0,
    bad: [],
  };
  let total: number;
  try {
    total = statSync(file).size;
  } catch (err) {
    throw new PaperboyError('ECSV', `${file} cannot be read: ${fileProblem(err)}`, {
      hint: 'check the path',
    });
  }
  let errors: WriteStream | null = null;
  if (opts.errorsFile) {
    errors = createWriteStream(opts.errorsFile);
    errors.write('line,reason\n');
  }
  const rejectRow = (b: BadRow) => {
    report.badCount++;
    if (report.bad.length < KEEP_BAD) report.bad.push(b);
    errors?.write(`${b.line},"${b.reason.replace(/"/g, '""')}"\n`);
  };

  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      opts.onProgress?.(bytes, total);
      cb(null, chunk);
    },
  });
  const parser = createReadStream(file)
    .pipe(counter)
    .pipe(
      parse({
        bom: true,
        // Fields come as bytes, decoded here strictly: invalid UTF-8 makes a bad row, never a U+FFFD.
        encoding: null,
        // (With encoding null the header's cells are Buffers too, though typed as strings.)
        columns: (header: string[]) => {
          const cols = header.map((h) => String(h).trim().toLowerCase());
          if (!cols.includes('email')) {
            throw new PaperboyError(
              'ECSV',
              `${file} line 1: the header has no "email" column (found: ${cols.join(', ')})`,
              { hint: 'the first line must name the columns, e.g. email,name,topics,status' },
            );
          }
          return cols;
        },
        relax_column_count: true,
        skip_empty_lines: true,
        info: true,
      }),
    );
  let batch: Row[] = [];
  let crlfDrift = 0;
  try {
    for await (const { record: bytes, info } of parser as AsyncIterable<{
      record: Record<string, Buffer | string | undefined>;
      info: { lines: number };
    }>) {
      report.rows++;
      const decoded = decodeRecord(bytes);
      // csv-parse reports the line a record ends on, and counts a CRLF inside a quoted field twice:
      // report the line the record starts on, in the file's own numbering.
      const inside = Object.values(decoded.record).join('');
      crlfDrift += inside.match(/\r\n/g)?.length ?? 0;
      const breaksInside = inside.match(/\r\n|\r|\n/g)?.length ?? 0;
      const line = info.lines - crlfDrift - breaksInside;
      if (decoded.invalid) {
        rejectRow({ line, reason: `the ${decoded.invalid} column is not valid UTF-8 (save the file as UTF-8)` });
        continue;
      }
      const checked = checkRow(decoded.record, line);
      if (!('email' in checked)) {
        rejectRow(checked);
        continue;
      }
      batch.push(checked);
      if (batch.length >= BATCH) {
        await applyBatch(db, batch, report, opts);
        batch = [];
      }
    }
    await applyBatch(db, batch, report, opts);
  } catch (err) {
    if (err instanceof PaperboyError) throw err;
    const e = err as Error & { lines?: number };
    await applyBatch(db, batch, report, opts);
    throw new PaperboyError('ECSV', `${file} line ${e.lines ?? '?'}: ${e.message}`, {
      hint: `the ${report.added} rows before it were imported; fix the file and import it again (imported rows merge)`,
    });
  } finally {
    await new Promise<void>((resolve) => (errors ? errors.end(resolve) : resolve()));
  }
  return report;
}
