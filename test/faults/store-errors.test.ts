import { execFileSync } from 'node:child_process';
import { mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, runCliProcess } from '../helpers/cli.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A SQLite store in `dir` (these faults are SQLite's), created by a first command. */
async function sqliteStore(dir: string) {
  const file = path.join(dir, 'data', 'paperboy.db');
  const env = testEnv(dir, { PAPERBOY_DATABASE_URL: file });
  expect((await runCli(['subscribers', 'list'], env, dir)).code).toBe(0);
  return { file, env };
}

describe('a store that fails under a command', () => {
  it('locked by another process: says so and what to do, not "unexpected error"', async () => {
    const { dir, cleanup } = tempDir('paperboy-storeerr-');
    cleanups.push(cleanup);
    const { file, env } = await sqliteStore(dir);
    const other = new SQLite(file);
    other.exec('BEGIN EXCLUSIVE');
    cleanups.push(() => other.close());
    // A process of its own: the lock is another process's.
    const r = await runCliProcess(['subscribers', 'add', 'ada@example.com'], env, dir);
    other.exec('ROLLBACK');
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `paperboy: the store ${file} is locked by another process (database is locked)\n` +
        'paperboy: → another program holds a write lock on it for longer than 5 s (a backup, a sqlite3 shell, a stuck paperboy): let it finish or stop it, then run the command again\n',
    });
  });

  it('on a full disk: says the disk is full, not "cannot rollback - no transaction is active"', async () => {
    const { dir, cleanup } = tempDir('paperboy-storeerr-');
    cleanups.push(cleanup);
    const data = path.join(dir, 'data');
    mkdirSync(data);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', data], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`this test mounts a small tmpfs (needs root, as in .ci/run): ${(err as Error).message}`);
    }
    cleanups.push(() => execFileSync('umount', [data]));
    const { file, env } = await sqliteStore(dir);
    // Leave 300 KB: the store opens, an import of 20,000 readers does not fit.
    const free = statfsSync(data);
    writeFileSync(path.join(data, 'filler'), Buffer.alloc(Number(free.bavail) * free.bsize - 300 * 1024));
    const csv = path.join(dir, 'readers.csv');
    writeFileSync(
      csv,
      `email,name\n${Array.from({ length: 20_000 }, (_, i) => `r${i}@example.com,Reader number ${i} of a long list`).join('\n')}\n`,
    );
    const r = await runCli(['subscribers', 'import', csv], env, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `paperboy: the store ${file} is out of disk space (database or disk is full)\n` +
        'paperboy: → free space on its disk, then run the command again (the write that failed was rolled back)\n',
    );
  });
});
