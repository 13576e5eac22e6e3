import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, type CliResult, runCliProcess } from '../helpers/cli.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

const KEY = 'kept-signing-key-0123456789abcdef0123456789abcdef';

/**
 * `paperboy subscribers list` on a SQLite store whose signing key is kept in data/secret (no
 * PAPERBOY_SECRET), as the user `nobody` when the tests run as root (root reads any file).
 */
function listAsOtherUser(dir: string): Promise<CliResult> {
  const { PAPERBOY_SECRET: _, ...env } = testEnv(dir, { PAPERBOY_DATABASE_URL: path.join(dir, 'data', 'paperboy.db') });
  if (process.getuid?.() !== 0) return runCliProcess(['subscribers', 'list'], env, dir);
  const vars = Object.entries({ PATH: process.env.PATH, ...env }).map(([k, v]) => `${k}=${v}`);
  const child = spawn('runuser', ['-u', 'nobody', '--', 'env', ...vars, process.execPath, BIN, 'subscribers', 'list'], {
    cwd: dir,
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the signing key kept beside the SQLite store', () => {
  it('is never replaced when it cannot be read: the command stops and names the file', async () => {
    const { dir, cleanup } = tempDir('paperboy-secret-');
    try {
      const data = path.join(dir, 'data');
      mkdirSync(data);
      chmodSync(dir, 0o777);
      chmodSync(data, 0o777);
      const file = path.join(data, 'secret');
      writeFileSync(file, `${KEY}\n`);
      // Writable but not readable by paperboy's user: a permission mistake, not a missing key.
      chmodSync(file, 0o222);
      const r = await listAsOtherUser(dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `paperboy: cannot read the signing key ${file}: EACCES: permission denied, open '${file}'\n` +
          'paperboy: → let the user paperboy runs as read it (links in mail already sent depend on this key), or set PAPERBOY_SECRET to its value\n',
      );
      expect(readFileSync(file, 'utf8')).toBe(`${KEY}\n`);
    } finally {
      cleanup();
    }
  });

  it('is never replaced when it is too short (cut off): the command stops and says what to do', async () => {
    const { dir, cleanup } = tempDir('paperboy-secret-');
    try {
      const data = path.join(dir, 'data');
      mkdirSync(data);
      chmodSync(dir, 0o777);
      chmodSync(data, 0o777);
      const file = path.join(data, 'secret');
      writeFileSync(file, 'kept-signing-k');
      chmodSync(file, 0o666);
      const r = await listAsOtherUser(dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `paperboy: the signing key in ${file} is 14 characters long; a key has at least 32\n` +
          'paperboy: → restore the file from a backup (links in mail already sent depend on it), or delete it to have a new key generated (those links then stop working)\n',
      );
      expect(readFileSync(file, 'utf8')).toBe('kept-signing-k');
    } finally {
      cleanup();
    }
  });

  it('is generated once when missing, and read back by the next command', async () => {
    const { dir, cleanup } = tempDir('paperboy-secret-');
    try {
      mkdirSync(path.join(dir, 'data'));
      chmodSync(dir, 0o777);
      chmodSync(path.join(dir, 'data'), 0o777);
      const first = await listAsOtherUser(dir);
      expect(first.code).toBe(0);
      const file = path.join(dir, 'data', 'secret');
      const key = readFileSync(file, 'utf8');
      expect(key).toMatch(/^[0-9a-f]{64}\n$/);
      const second = await listAsOtherUser(dir);
      expect({ code: second.code, stderr: second.stderr }).toEqual({ code: 0, stderr: '0 subscribers\n' });
      expect(readFileSync(file, 'utf8')).toBe(key);
    } finally {
      cleanup();
    }
  });
});
