import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { lockDigest } from '../../src/pipeline/digest-lock.js';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { watchControl } from '../../src/send/control-watch.js';
import { findDigest, setDigestControl } from '../../src/store/digests.js';
import { capturingLog, STORE, startTestApp, type TestApp, testDatabaseUrl } from '../helpers/test-app.js';

const DATE = '2026-11-28';
let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

// On PostgreSQL this file's stores live in a database of their own. Renaming a table away (the
// outage below) while another test file, running beside this one, opens its store in the shared
// run database fails that store's migration check: kysely reads every schema's tables from the
// catalogue, and a table renamed mid-read is "relation … does not exist".
const own = { url: '', name: '' };
async function onServer(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('testDatabaseUrl') });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}
beforeAll(async () => {
  if (STORE !== 'postgres') return;
  const run = new URL(inject('testDatabaseUrl'));
  own.name = `${run.pathname.slice(1)}_outage`;
  await onServer(`create database ${own.name}`);
  run.pathname = `/${own.name}`;
  own.url = run.toString();
});
afterAll(async () => {
  if (own.name) await onServer(`drop database if exists ${own.name}`);
});
/** This file's store settings: on PostgreSQL a schema in the file's own database. */
function outageStore(dir: string): Record<string, string> {
  if (!own.url) return {};
  const url = new URL(testDatabaseUrl(dir));
  const at = new URL(own.url);
  at.searchParams.set('schema', url.searchParams.get('schema') ?? 'public');
  return { PAPERBOY_DATABASE_URL: at.toString() };
}

/** The store stops answering for the digests table (it is renamed away), as in an outage, until `back()`. */
async function takeDigestsAway(t: TestApp): Promise<{ back: () => Promise<void> }> {
  await sql`alter table digests rename to digests_away`.execute(t.ctx.db);
  return { back: async () => void (await sql`alter table digests_away rename to digests`.execute(t.ctx.db)) };
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(20);
  }
}

async function storedDigest(t: TestApp) {
  await runDigest(t.ctx, { date: DATE, dryRun: false });
  const d = await findDigest(t.ctx.db, DATE);
  if (!d) throw new Error('no digest');
  return d;
}

describe('a send whose store stops answering', () => {
  it('stops claiming once its lock cannot be renewed before it would expire, and says so in the log', async () => {
    const { log, lines } = capturingLog();
    app = await startTestApp(outageStore, { log });
    const digest = await storedDigest(app);
    const lock = await lockDigest(app.ctx.db, digest.id, DATE, log, { ttlMs: 2000, heartbeatMs: 200 });
    expect(lock.isHeld()).toBe(true);
    const outage = await takeDigestsAway(app);
    await until(() => !lock.isHeld(), 'the lock counts as lost');
    expect(lock.lostBecause()).toMatch(/^the send lock could not be renewed before it would expire \(.*digests.*\)$/);
    const failed = lines.filter((l) => l.event === 'digest.lock.renew_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.msg).toMatch(
      /^the send lock of 2026-11-28 could not be renewed \(.*\): trying again; the send stops unless it is renewed by \d{4}-\d\d-\d\dT/,
    );
    await outage.back();
    await until(() => lock.isHeld(), 'the lock renewed again');
    expect(lines.filter((l) => l.event === 'digest.lock.renewed')).toHaveLength(1);
    await lock.release();
  });

  it('keeps polling its pause and cancel through the outage, logs it once, and stops as paused past the limit', async () => {
    const { log, lines } = capturingLog();
    app = await startTestApp(outageStore, { log });
    const digest = await storedDigest(app);
    const watch = watchControl(app.ctx.db, digest.id, log, { date: DATE, limitMs: 1000, everyMs: 50 });
    try {
      expect(watch.asked).toBe('run');
      const outage = await takeDigestsAway(app);
      await until(() => watch.asked === 'pause', 'the send counts as paused');
      expect(watch.unreadable()).toMatch(/^its pause and cancel could not be read for 1 s \(.*digests.*\)$/);
      expect(lines.filter((l) => l.event === 'digest.control.poll_failed')).toHaveLength(1);
      await outage.back();
      // An admin's cancel, asked while the store was away, is read once it answers.
      await setDigestControl(app.ctx.db, digest.id, 'cancel');
      await until(() => watch.asked === 'cancel', 'the cancel is read');
      expect(watch.unreadable()).toBeNull();
    } finally {
      watch.stop();
    }
  });
});
