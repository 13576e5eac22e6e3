import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { STORE, tempDir } from '../helpers/test-app.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe.runIf(STORE === 'sqlite')('migration 0019 on a SQLite store with a ledger', () => {
  it('widens the status check to feed and keeps every delivery, its id and the bounces linked to it', async () => {
    const { dir, cleanup } = tempDir('paperboy-0016-');
    cleanups.push(cleanup);
    const file = path.join(dir, 'paperboy.db');
    const raw = new SQLite(file);
    raw.pragma('foreign_keys = ON');
    const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: raw }) });
    const migrated = await new Migrator({ db: old, provider: migrationProvider('sqlite') }).migrateTo(
      '0015-reader-clock',
    );
    expect(migrated.error).toBeUndefined();
    const now = '2026-12-01T00:00:00.000Z';
    raw.exec(
      `insert into subscribers (id, email, status, created_at, updated_at) values (1, 'a@example.com', 'active', '${now}', '${now}')`,
    );
    raw.exec(`insert into digests (id, date, subject, preheader, html, text, web_html, web_text, status, created_at)
      values (1, '2026-12-01', 's', 'p', 'h', 't', 'wh', 'wt', 'sent', '${now}')`);
    raw.exec(`insert into deliveries (id, digest_id, subscriber_id, status, attempts, message_id, created_at, updated_at, due_at)
      values (7, 1, 1, 'sent', 1, '<m7@example.org>', '${now}', '${now}', '${now}')`);
    raw.exec(`insert into bounces (subscriber_id, delivery_id, kind, source, status, created_at)
      values (1, 7, 'soft', 'smtp', '4.2.2', '${now}')`);
    expect(() =>
      raw.exec(`insert into deliveries (digest_id, subscriber_id, status, message_id, created_at, updated_at)
        values (1, 1, 'feed', '<x@example.org>', '${now}', '${now}')`),
    ).toThrow(/CHECK constraint failed/);
    await old.destroy();

    const db = await openStore({ kind: 'sqlite', path: file });
    const feedRow = (messageId: string) => ({
      digest_id: 1,
      subscriber_id: 1,
      status: 'feed',
      attempts: 0,
      message_id: messageId,
      created_at: now,
      updated_at: now,
    });
    try {
      const rows = await db.selectFrom('deliveries').select(['id', 'status', 'message_id', 'due_at']).execute();
      expect(rows).toEqual([{ id: 7, status: 'sent', message_id: '<m7@example.org>', due_at: now }]);
      expect(await db.selectFrom('bounces').select(['delivery_id']).execute()).toEqual([{ delivery_id: 7 }]);
      await db
        .insertInto('deliveries')
        .values(feedRow('<f@example.org>'))
        .onConflict((oc) => oc.columns(['digest_id', 'subscriber_id']).doNothing())
        .execute();
      // The unique (digest, subscriber) pair held through the copy: the row above was a conflict.
      expect(await db.selectFrom('deliveries').select('id').execute()).toEqual([{ id: 7 }]);
      await db.updateTable('deliveries').set({ status: 'feed' }).where('id', '=', 7).execute();
      // A new row gets an id after the copied ones.
      await db.deleteFrom('bounces').execute();
      await db.deleteFrom('deliveries').execute();
      const { id } = await db
        .insertInto('deliveries')
        .values(feedRow('<g@example.org>'))
        .returning('id')
        .executeTakeFirstOrThrow();
      expect(id).toBeGreaterThan(7);
    } finally {
      await db.destroy();
    }
  });
});
