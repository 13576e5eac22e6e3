// `paperboy backup` while a send runs and `paperboy restore` into a new folder (issue 23, item 4):
// every ledger row of the moment of the backup is there, with its Message-ID; a store in use is
// never overwritten, and one that is not is moved aside, not deleted.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { STORE, tempDir, testEnv } from '../helpers/test-app.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function folder(prefix: string) {
  const t = tempDir(prefix);
  cleanups.push(t.cleanup);
  return t.dir;
}

interface LedgerRow {
  id: number;
  email: string;
  message_id: string;
  status: string;
}

function ledger(file: string): LedgerRow[] {
  const db = new SQLite(file, { readonly: true });
  try {
    return db
      .prepare(
        'select d.id, s.email, d.message_id, d.status from deliveries d join subscribers s on s.id = d.subscriber_id order by d.id',
      )
      .all() as LedgerRow[];
  } finally {
    db.close();
  }
}

const emails = Array.from({ length: 40 }, (_, i) => `reader${String(i).padStart(2, '0')}@example.com`);

describe('backup and restore', () => {
  it('backs up the store while a send runs and restores it into a new folder with every ledger row', async () => {
    const dir = folder('paperboy-backup-');
    // Quick for ten messages, then slow: the backup surely lands mid-send.
    let sink: SmtpSink | undefined = await startSmtpSink(() => null, { delayMs: (n) => (n <= 10 ? 0 : 60) });
    cleanups.push(() => sink?.close());
    const env = testEnv(dir, { PAPERBOY_SMTP_URL: sink.url, PAPERBOY_SMTP_POOL: '1' });
    if (STORE === 'postgres') {
      const db = loadConfig(env, dir).database;
      const url = db.kind === 'postgres' ? new URL(db.url).toString() : '';
      const file = path.join(dir, 'store.backup');
      const r = await runCli(['backup', '--out', 'store.backup'], env, dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        'The store is PostgreSQL: back it up with its own tool (the password from PGPASSWORD or ~/.pgpass):\n' +
          `  pg_dump --format=custom --file=${file} '${url}'\n` +
          `Restore with: pg_restore --clean --if-exists --dbname='…' ${file}\n`,
      );
      const back = await runCli(['restore', 'store.backup'], env, dir);
      expect(back.code).toBe(1);
      expect(back.stderr).toBe(
        'paperboy: the store is PostgreSQL: restore it with pg_restore\n' +
          `paperboy: → pg_restore --clean --if-exists --dbname='${url}' ${file}\n`,
      );
      return;
    }

    for (const email of emails) expect((await runCli(['subscribers', 'add', email], env, dir)).code).toBe(0);

    const send = spawnCli(['send', '--date', '2026-11-28'], env, dir);
    const sent = new Promise<number | null>((resolve) => send.on('exit', resolve));
    const s = sink;
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (s.received.length >= 10) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
      send.on('exit', () => {
        clearInterval(timer);
        reject(new Error('the send ended before the backup'));
      });
    });
    const backup = await runCli(['backup', '--out', 'store.backup'], env, dir);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const file = path.join(dir, 'store.backup');
    expect(backup.stdout).toMatch(
      new RegExp(
        `^backed up ${path.join(dir, 'data', 'paperboy.db')} to ${file} \\(\\d+\\.\\d MB\\): 40 subscribers, 1 digests, 40 deliveries, 0 votes \\(schema: \\d+ migrations\\)\\n$`,
      ),
    );
    expect(await sent).toBe(0);
    expect(sink.received.length).toBe(40);
    const copied = ledger(file);
    // Taken mid-send: some sent, the rest still to go; every reader has their row.
    const sentThen = copied.filter((r) => r.status === 'sent').length;
    expect(sentThen).toBeGreaterThanOrEqual(10);
    expect(sentThen).toBeLessThan(40);
    expect(copied.map((r) => r.email).sort()).toEqual(emails);

    // Restored into a new folder: the same rows, ids and Message-IDs as the live store.
    const other = folder('paperboy-restored-');
    const otherEnv = testEnv(other, { PAPERBOY_SMTP_URL: sink.url });
    const restore = await runCli(['restore', file], otherEnv, other);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toMatch(
      new RegExp(
        `^restored ${file} to ${path.join(other, 'data', 'paperboy.db')}: 40 subscribers, 1 digests, 40 deliveries, 0 votes \\(schema: \\d+ migrations\\)\\n$`,
      ),
    );
    const restored = ledger(path.join(other, 'data', 'paperboy.db'));
    expect(restored).toEqual(copied);
    const live = ledger(path.join(dir, 'data', 'paperboy.db'));
    expect(restored.map(({ status: _, ...r }) => r)).toEqual(live.map(({ status: _, ...r }) => r));

    // The restored store sends what was left at the moment of the backup, and nothing else.
    await sink.close();
    sink = await startSmtpSink();
    const resumed = await runCli(['send', '--date', '2026-11-28'], { ...otherEnv, PAPERBOY_SMTP_URL: sink.url }, other);
    expect(resumed.code).toBe(0);
    const left = copied.filter((r) => r.status !== 'sent');
    expect(sink.received.map((m) => m.rcptTo[0]).sort()).toEqual(left.map((r) => r.email).sort());
    expect(sink.received.map((m) => m.mail.messageId).sort()).toEqual(left.map((r) => r.message_id).sort());
  });

  // SQLite only: on PostgreSQL both commands point to pg_dump and pg_restore (the test above).
  it.runIf(STORE === 'sqlite')(
    'refuses a store in use, moves one that is not aside, and refuses what is not a paperboy store',
    async () => {
      const dir = folder('paperboy-restore-');
      const env = testEnv(dir);
      expect((await runCli(['subscribers', 'add', 'ada@example.com'], env, dir)).code).toBe(0);
      expect((await runCli(['backup', '--out', 'one.backup'], env, dir)).code).toBe(0);
      const again = await runCli(['backup', '--out', 'one.backup'], env, dir);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(
        `paperboy: ${path.join(dir, 'one.backup')} exists already\npaperboy: → choose another file; a backup never overwrites one\n`,
      );

      // Another process has the store open (a serve, say): refused, nothing touched.
      const store = path.join(dir, 'data', 'paperboy.db');
      const holder = new SQLite(store);
      holder.pragma('journal_mode = WAL');
      holder.prepare('select count(*) from subscribers').get();
      const busy = await runCli(['restore', 'one.backup'], env, dir);
      holder.close();
      expect(busy.code).toBe(1);
      expect(busy.stderr).toBe(
        `paperboy: the store ${store} is in use: a paperboy serve, send or worker has it open\n` +
          'paperboy: → stop it first (systemctl stop paperboy, or Ctrl-C), then restore again\n',
      );
      expect(readdirSync(path.join(dir, 'data')).filter((f) => f.includes('before-restore'))).toEqual([]);

      // Not in use: restored, and the store that was there kept beside it.
      const ok = await runCli(['restore', 'one.backup'], env, dir);
      expect(ok.code).toBe(0);
      const aside = /the store that was there is kept as (.+)\n/.exec(ok.stdout)?.[1] ?? '';
      expect(aside.startsWith(`${store}.before-restore-`)).toBe(true);
      expect(existsSync(aside)).toBe(true);
      expect(ledger(aside)).toEqual([]);

      const notStore = await runCli(['restore', path.join(dir, 'data', 'secret-missing')], env, dir);
      expect(notStore.code).toBe(1);
      expect(notStore.stderr).toBe(`paperboy: there is no file ${path.join(dir, 'data', 'secret-missing')}\n`);
      writeFileSync(path.join(dir, 'notes.txt'), 'not a store\n');
      const text = await runCli(['restore', 'notes.txt'], env, dir);
      expect(text.code).toBe(1);
      expect(text.stderr).toBe(
        `paperboy: ${path.join(dir, 'notes.txt')} is not a paperboy store: file is not a database\n`,
      );
    },
  );
});
