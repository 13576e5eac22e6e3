import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';

export interface OutboxEntry {
  name: string;
  mtimeMs: number;
  date: Date | null;
  /** The To header, decoded (RFC 2047), as mailparser writes it. */
  to: string;
  subject: string | null;
}

/** The names of outbox messages (nothing else in the folder is served, no path is). */
export const OUTBOX_FILE = /^[A-Za-z0-9@._-]+\.eml$/;
/** A digest's header block is 1-2 KB; a longer one is listed from its first 16 KB. */
const HEAD_MAX = 16 * 1024;

/** The header block of a message: its bytes up to the first empty line, at most HEAD_MAX. */
async function readHead(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_MAX);
    const { bytesRead } = await fh.read(buf, 0, HEAD_MAX, 0);
    const head = buf.subarray(0, bytesRead);
    const ends = [head.indexOf('\r\n\r\n'), head.indexOf('\n\n')].filter((i) => i >= 0);
    return ends.length ? head.subarray(0, Math.min(...ends)) : head;
  } finally {
    await fh.close();
  }
}

async function readEntry(dir: string, name: string, mtimeMs: number): Promise<OutboxEntry> {
  const mail = await simpleParser(Buffer.concat([await readHead(path.join(dir, name)), Buffer.from('\r\n\r\n')]));
  const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
  return { name, mtimeMs, date: mail.date ?? null, to, subject: mail.subject ?? null };
}

function gone(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** A file's stat, or null when it was removed since the folder was read. */
async function statOrGone(file: string) {
  return stat(file).catch((err) => {
    if (gone(err)) return null;
    throw err;
  });
}

/** The folder's names; none before the first message has made it. */
async function readdirOrNone(dir: string): Promise<string[]> {
  return readdir(dir).catch((err) => {
    if (gone(err)) return [];
    throw err;
  });
}

/**
 * The outbox's messages, newest first (by modification time), for the list page. Only each file's
 * header block is read, once per (name, mtime, size): a listing costs a stat per file, and a
 * message's body is parsed only when it is opened.
 */
export function outboxLister(dir: string) {
  const cache = new Map<string, { mtimeMs: number; size: number; entry: Promise<OutboxEntry> }>();
  return async (limit: number): Promise<{ total: number; shown: OutboxEntry[] }> => {
    const names = (await readdirOrNone(dir)).filter((f) => OUTBOX_FILE.test(f));
    const present = new Set(names);
    const files = (
      await Promise.all(
        names.map(async (name) => {
          const s = await statOrGone(path.join(dir, name));
          return s && { name, mtimeMs: s.mtimeMs, size: s.size };
        }),
      )
    ).filter((f) => f !== null);
    for (const name of cache.keys()) if (!present.has(name)) cache.delete(name);
    files.sort((a, b) => b.mtimeMs - a.mtimeMs || a.name.localeCompare(b.name));
    const shown = await Promise.all(
      files.slice(0, limit).map((f) => {
        const hit = cache.get(f.name);
        if (hit && hit.mtimeMs === f.mtimeMs && hit.size === f.size) return hit.entry;
        const entry = readEntry(dir, f.name, f.mtimeMs);
        cache.set(f.name, { mtimeMs: f.mtimeMs, size: f.size, entry });
        // A failed read is not kept (the next listing tries again); its error reaches this request.
        entry.catch(() => cache.delete(f.name));
        return entry;
      }),
    );
    return { total: files.length, shown };
  };
}
