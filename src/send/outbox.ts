import { constants } from 'node:fs';
import { access, mkdir, readdir, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { PaperboyError } from '../errors.js';
import type { Transport } from './transport.js';

/** The file an outbox message is kept in: named after its Message-ID, so a retry rewrites the same file. */
export function outboxFileName(messageId: string): string {
  return `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9@._-]/g, '_')}.eml`;
}

const TMP = /\.eml\.\d+\.tmp$/;
/** A temporary file older than this was left by a write that died with its process. */
const STALE_MS = 10 * 60_000;

/** What an outbox write failure means to an operator, and the fix. */
function outboxError(dir: string, err: NodeJS.ErrnoException): PaperboyError {
  const what =
    err.code === 'ENOSPC' || err.code === 'EDQUOT'
      ? 'the disk is full'
      : err.code === 'EROFS'
        ? 'the file system is read-only'
        : err.code === 'EACCES' || err.code === 'EPERM'
          ? 'paperboy may not write there'
          : err.message;
  return new PaperboyError('ESEND', `cannot write to the outbox ${dir}: ${what} (${err.code ?? 'error'})`, {
    hint: 'free space there, or fix its permissions, or set PAPERBOY_OUTBOX_DIR to a folder paperboy can write; deliveries not yet written stay pending and go with the next send',
    cause: err,
  });
}

/** Removes temporary files that writes which died with their process left behind. */
async function removeStale(dir: string, now = Date.now()): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => TMP.test(n))) {
    const file = path.join(dir, name);
    const s = await stat(file).catch(() => null);
    if (s && now - s.mtimeMs > STALE_MS) await unlink(file).catch(() => undefined);
  }
}

let lastWritten = 0;
/** Seconds since the epoch, strictly increasing within this process (by 10 µs at least). */
function writtenAt(): number {
  lastWritten = Math.max(Date.now() / 1000, lastWritten + 0.00001);
  return lastWritten;
}

/**
 * Writes each message as an .eml file into `dir` instead of sending it: nothing leaves the machine.
 * A failed write leaves no file behind; one that cannot be made (a full disk, no permission) stops
 * the send at once, with everything not yet written pending.
 */
export function outboxTransport(dir: string): Transport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  let ready: Promise<void> | null = null;
  return {
    kind: 'outbox',
    description: `outbox ${dir}`,
    async send(message) {
      const info = await composer.sendMail(message);
      const file = path.join(dir, outboxFileName(String(info.messageId)));
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        ready ??= mkdir(dir, { recursive: true }).then(() => removeStale(dir));
        await ready;
        await writeFile(tmp, info.message as Buffer);
        // The file system's clock ticks in milliseconds or coarser: messages written in the same
        // tick would list in no order. Each gets a modification time after the last one's.
        const at = writtenAt();
        await utimes(tmp, at, at);
        await rename(tmp, file);
      } catch (err) {
        ready = null;
        await unlink(tmp).catch(() => undefined);
        throw outboxError(dir, err as NodeJS.ErrnoException);
      }
      return { response: `written to ${file}` };
    },
    async verify() {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
    },
    async close() {},
  };
}
