// The deploy files (issue 23, item 5) checked as far as this machine can: the systemd units pass
// `systemd-analyze verify` (Debian's systemd) and what they run starts paperboy and stops it cleanly
// on SIGTERM, as `systemctl stop` does; the Dockerfile's HEALTHCHECK command passes against a
// running server. No container is built here (no registry and no Docker daemon: docs/operations.md).
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { watchChild } from '../helpers/cli.js';
import { ROOT, STORE, tempDir, testEnv } from '../helpers/test-app.js';

const run = promisify(execFile);
const UNITS = path.join(ROOT, 'deploy', 'systemd');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** `Key=value` lines of a unit file's section. */
function directives(file: string, key: string): string[] {
  return readFileSync(path.join(UNITS, file), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

describe('deploy files', () => {
  it('the systemd units verify without a warning', async () => {
    for (const unit of ['paperboy.service', 'paperboy-worker@.service']) {
      const r = await run('systemd-analyze', ['verify', '--man=no', path.join(UNITS, unit)]);
      expect({ unit, stderr: r.stderr, stdout: r.stdout }).toEqual({ unit, stderr: '', stdout: '' });
    }
    expect(directives('paperboy.service', 'ExecStart')).toEqual(['/usr/bin/node /opt/paperboy/bin/paperboy.js serve']);
    expect(directives('paperboy-worker@.service', 'ExecStart')).toEqual([
      '/usr/bin/node /opt/paperboy/bin/paperboy.js worker',
    ]);
    for (const unit of ['paperboy.service', 'paperboy-worker@.service']) {
      expect(directives(unit, 'User')).toEqual(['paperboy']);
      expect(directives(unit, 'NoNewPrivileges')).toEqual(['yes']);
      expect(directives(unit, 'ProtectSystem')).toEqual(['strict']);
      expect(directives(unit, 'KillSignal')).toEqual(['SIGTERM']);
    }
  });

  it('what paperboy.service runs serves, answers the Dockerfile’s HEALTHCHECK and stops with status 0 on SIGTERM', async () => {
    const t = tempDir('paperboy-deploy-');
    cleanups.push(t.cleanup);
    // The unit's command with this checkout in place of /opt/paperboy, in its working directory.
    const [exec, ...args] = (directives('paperboy.service', 'ExecStart')[0] ?? '')
      .replaceAll('/opt/paperboy', ROOT)
      .split(' ');
    expect(exec).toBe('/usr/bin/node');
    const env = testEnv(t.dir, { PAPERBOY_PORT: '0' });
    const child = spawn(exec ?? '', args, {
      cwd: t.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    const w = watchChild(child);
    await w.until(/stop with Ctrl-C\n/);
    const port = /running on http:\/\/localhost:(\d+)/.exec(w.out)?.[1] ?? '';
    expect(Number(port)).toBeGreaterThan(0);
    // Ready: the store answers, its schema is current, the scheduler's loop has run.
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const { checks } = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(Object.entries(checks).map(([k, c]) => [k, c.ok])).toEqual([
      ['store', true],
      ['migrations', true],
      ['scheduler', true],
      ...(STORE === 'postgres' ? [['queue', true]] : []),
    ]);

    // The HEALTHCHECK line of the Dockerfile, exec form, run as Docker would (PAPERBOY_PORT set).
    const dockerfile = readFileSync(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
    const check = /HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])/.exec(dockerfile)?.[1] ?? '[]';
    const [node, ...checkArgs] = JSON.parse(check) as string[];
    expect(node).toBe('node');
    const ok = await run(process.execPath, checkArgs, { env: { ...process.env, PAPERBOY_PORT: port } });
    expect(ok.stderr).toBe('');
    // And it fails when nothing answers (a port nothing listens on: the server's, once stopped).
    child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    const down = await run(process.execPath, checkArgs, { env: { ...process.env, PAPERBOY_PORT: port } }).then(
      () => 0,
      (e: { code?: number }) => e.code,
    );
    expect(down).toBe(1);
  });

  it('the Dockerfile builds in one stage and runs as a user without privileges in another', () => {
    const lines = readFileSync(path.join(ROOT, 'deploy', 'Dockerfile'), 'utf8').split('\n');
    expect(lines.filter((l) => l.startsWith('FROM '))).toEqual([
      'FROM node:20-bookworm AS build',
      'FROM node:20-bookworm-slim',
    ]);
    expect(lines.filter((l) => l.startsWith('USER '))).toEqual(['USER paperboy']);
    expect(lines.filter((l) => l.startsWith('ENTRYPOINT '))).toEqual(['ENTRYPOINT ["node", "/app/bin/paperboy.js"]']);
  });
});
