import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { runCli } from '../helpers/cli.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

const DATE = '2026-11-28';
let sink: SmtpSink | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await sink?.close();
  sink = undefined;
  for (const c of cleanups.splice(0).reverse()) c();
});

async function withReaders(env: Record<string, string | undefined>, dir: string, n: number): Promise<void> {
  const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
  for (let i = 0; i < n; i++)
    await upsertSubscriber(ctx.db, { email: `reader${i}@example.com`, name: null, status: 'active' });
  await ctx.close();
}

describe('what `send` tells the operator when it stops', () => {
  it('a relay that refuses the login: the summary of sent and pending, then why and what to fix', async () => {
    sink = await startSmtpSink(() => null, { auth: { user: 'paperboy', pass: 'right' } });
    const { dir, cleanup } = tempDir('paperboy-ops-');
    cleanups.push(cleanup);
    const env = testEnv(dir, { PAPERBOY_SMTP_URL: `smtp://paperboy:wrong@127.0.0.1:${sink.port}` });
    await withReaders(env, dir, 3);
    const r = await runCli(['send', '--date', DATE], env, dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^2026-11-28: sent 0, failed 0, skipped 0 · for the date: 0 sent, 0 failed, 0 skipped, 3 pending · "Daily Papers · 28 Nov 2026 · [^"]+"\narchive: .+\n$/,
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `^paperboy: SMTP 127\\.0\\.0\\.1:${sink.port} refused the send: 535 5\\.7\\.8 Authentication credentials invalid\\npaperboy: → the relay refused the login`,
      ),
    );
  });

  it('an outbox whose disk is full: says the disk is full (not an unreachable server), keeps the rest pending and leaves no temporary file', async () => {
    const { dir, cleanup } = tempDir('paperboy-ops-');
    cleanups.push(cleanup);
    const outbox = path.join(dir, 'outbox');
    mkdirSync(outbox);
    // A real full disk: a 200 KB tmpfs holds two digests of ~80 KB.
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200k', 'tmpfs', outbox], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`this test mounts a small tmpfs (needs root, as in .ci/run): ${(err as Error).message}`);
    }
    cleanups.push(() => execFileSync('umount', [outbox]));
    const env = testEnv(dir);
    await withReaders(env, dir, 6);
    const r = await runCli(['send', '--date', DATE], env, dir);
    expect(r.code).toBe(1);
    const written = readdirSync(outbox);
    expect(written.every((f) => f.endsWith('.eml'))).toBe(true);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(6);
    expect(r.stdout).toContain(
      `${DATE}: sent ${written.length}, failed 0, skipped 0 · for the date: ${written.length} sent, 0 failed, 0 skipped, ${6 - written.length} pending`,
    );
    expect(r.stderr).toBe(
      `paperboy: cannot write to the outbox ${outbox}: the disk is full (ENOSPC)\n` +
        'paperboy: → free space there, or fix its permissions, or set PAPERBOY_OUTBOX_DIR to a folder paperboy can write; deliveries not yet written stay pending and go with the next send\n',
    );
  });

  it('removes temporary files that an outbox write which died left behind, and only those', async () => {
    const { dir, cleanup } = tempDir('paperboy-ops-');
    cleanups.push(cleanup);
    const outbox = path.join(dir, 'outbox');
    mkdirSync(outbox);
    const stale = path.join(outbox, 'old.msg@papers.example.org.eml.4242.tmp');
    const fresh = path.join(outbox, 'now.msg@papers.example.org.eml.4243.tmp');
    writeFileSync(stale, '');
    writeFileSync(fresh, '');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(stale, hourAgo, hourAgo);
    const env = testEnv(dir);
    await withReaders(env, dir, 1);
    const r = await runCli(['send', '--date', DATE], env, dir);
    expect(r.code).toBe(0);
    const left = readdirSync(outbox);
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual(['now.msg@papers.example.org.eml.4243.tmp']);
    expect(left.filter((f) => f.endsWith('.eml'))).toHaveLength(1);
  });
});
