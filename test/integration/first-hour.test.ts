// What a newcomer meets in the first hour (issue 19): a port in use, a port other than 3000, output
// piped into `head`, doctor on a relay that does not answer, and the messages of common mistakes.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, runCli, runCliProcess, spawnCli, watchChild as watch } from '../helpers/cli.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function folder() {
  const t = tempDir('paperboy-first-hour-');
  cleanups.push(t.cleanup);
  return t.dir;
}

/** A TCP server on a free loopback port that accepts connections and never says a word. */
async function silentServer(): Promise<{ server: Server; port: number }> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/** Output of a child, line by line, with the moment the child exited. */
describe('the first hour', () => {
  it('serve on a port in use exits 1 at once with the port and the fix', async () => {
    const dir = folder();
    const { port } = await silentServer();
    const r = await runCliProcess(
      ['serve'],
      testEnv(dir, { PAPERBOY_PORT: String(port), PAPERBOY_HOST: '127.0.0.1' }),
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `paperboy: 127.0.0.1:${port} is in use\n` +
        'paperboy: → stop the program that holds it, or run paperboy on another port: PAPERBOY_PORT=3001 npm start\n',
    );
  });

  it('serve warns when a localhost PAPERBOY_BASE_URL names another port than the one it serves', async () => {
    const dir = folder();
    const child = spawnCli(
      ['serve'],
      testEnv(dir, { PAPERBOY_PORT: '0', PAPERBOY_BASE_URL: 'http://localhost:3000' }),
      dir,
    );
    cleanups.push(() => void child.kill('SIGTERM'));
    const w = watch(child);
    await w.until(/stop with Ctrl-C\n/);
    const port = /running on http:\/\/localhost:(\d+)/.exec(w.out)?.[1];
    expect(w.out).toContain(
      `  warning: PAPERBOY_BASE_URL is http://localhost:3000 but paperboy serves port ${port}: the links in emails, the feed and the confirmation lead nowhere (set PAPERBOY_BASE_URL=http://localhost:${port}, or leave it unset to follow PAPERBOY_PORT)\n`,
    );
    child.kill('SIGTERM');
    expect([await w.exited, w.err]).toEqual([0, '']);
  });

  it('a first start past the catch-up window builds today’s digest for the home page, sends nothing and notes no miss', async () => {
    const dir = folder();
    const env = testEnv(dir, { PAPERBOY_PORT: '0', PAPERBOY_CATCHUP: '0', PAPERBOY_LOG_LEVEL: 'info' });
    expect((await runCli(['subscribers', 'add', 'ada@example.com'], env, dir)).code).toBe(0);
    const child = spawnCli(['serve'], env, dir);
    cleanups.push(() => void child.kill('SIGTERM'));
    const w = watch(child);
    let logs = '';
    const built = new Promise<void>((resolve) =>
      child.stderr?.on('data', (d: Buffer) => {
        logs += d.toString();
        if (logs.includes('"event":"schedule.first_start.built"')) resolve();
      }),
    );
    await w.until(/stop with Ctrl-C\n/);
    await built;
    const base = /running on (http:\/\/localhost:\d+)/.exec(w.out)?.[1];
    const today = /"event":"schedule.first_start","digest_date":"(\d{4}-\d\d-\d\d)"/.exec(logs)?.[1];
    expect(today).toBeDefined();
    const home = await (await fetch(`${base}/`)).text();
    expect(home).toContain('<h2>The latest digest</h2>');
    expect(home).toContain(`<a href="/digests/${today}">`);
    const archive = await (await fetch(`${base}/digests`)).text();
    expect(archive).toContain(`<a href="/digests/${today}">`);
    // Not sent: no message in the outbox, no miss on the dashboard or in the log.
    expect(existsSync(path.join(dir, 'outbox')) ? readdirSync(path.join(dir, 'outbox')) : []).toEqual([]);
    const admin = await (await fetch(`${base}/admin`)).text();
    expect(admin).not.toContain('did not happen');
    expect(logs).not.toContain('schedule.missed');
    child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  });

  it('a reader of the output that goes away (| head) ends the command quietly, with status 0', async () => {
    const dir = folder();
    const env = testEnv(dir);
    // Today's digest stored (sent to nobody): preview prints it as stored, with no MJML compile in
    // each of the three processes below; what is printed, and the pipe, are the same.
    expect((await runCli(['send'], env, dir)).code).toBe(0);
    // As a person types it: a shell pipe into head, which exits after what it wanted.
    const piped = (command: string, head: string) =>
      new Promise<{ status: string; stderr: string }>((resolve, reject) => {
        const sh = spawn(
          'bash',
          ['-c', `node ${JSON.stringify(BIN)} ${command} 2>"$ERR" | ${head} >/dev/null; echo "\${PIPESTATUS[0]}"`],
          {
            cwd: dir,
            env: { ...process.env, ...env, ERR: path.join(dir, 'stderr.txt') },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        let out = '';
        sh.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        sh.on('error', reject);
        sh.on('close', () =>
          resolve({ status: out.trim(), stderr: readFileSync(path.join(dir, 'stderr.txt'), 'utf8') }),
        );
      });
    for (const [command, head] of [
      ['preview', 'head -c 100'],
      ['preview --format eml', 'head -c 100'],
      ['preview --format eml', 'head -0'],
      ['digests list', 'head -0'],
      ['subscribers --help', 'head -0'],
      ['--help', 'head -1'],
    ] as const) {
      expect(await piped(command, head), `${command} | ${head}`).toEqual({ status: '0', stderr: '' });
    }
  });

  it('doctor prints each check as it is known and gives up on a silent relay after its short timeout', async () => {
    const dir = folder();
    const { port } = await silentServer();
    const child = spawnCli(['doctor'], testEnv(dir, { PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${port}` }), dir);
    const w = watch(child);
    let exitedEarly = false;
    void w.exited.then(() => {
      exitedEarly = true;
    });
    // The checks before the mail server are out while doctor still waits for the relay's greeting.
    await w.until(/^ok {4}templates .*\n/m);
    expect(exitedEarly).toBe(false);
    expect(w.out).not.toMatch(/ mail /);
    expect(await w.exited).toBe(1);
    expect(w.out).toMatch(
      /^FAIL {2}mail {6}Greeting never received\n {16}→ check PAPERBOY_SMTP_URL: host, port, user and password$/m,
    );
    expect(
      w.out
        .split('\n')
        .filter((l) => /^(ok|warn|FAIL) /.test(l))
        .map((l) => l.split(/ +/)[1]),
    ).toEqual(['settings', 'dkim', 'secret', 'admin', 'store', 'templates', 'mail', 'ptr', 'dns', 'source']);
    // A relay on loopback: its public address is unknown here. The DNS servers (testEnv: a closed
    // local port) refuse: one warning for the records, said at once.
    expect(w.out).toContain(
      'ok    ptr       not checked: the relay 127.0.0.1 is a private address, receivers see another: set PAPERBOY_SENDING_IP to check it\n' +
        'warn  dns       no answer from 127.0.0.1:1 (ECONNREFUSED): SPF, DMARC not checked\n' +
        '                → check the network, or PAPERBOY_DNS_SERVERS\n',
    );
  });

  it('doctor warns of a localhost base URL on another port, and an unreachable source is said once, hint once', async () => {
    const dir = folder();
    const env = testEnv(dir, {
      PAPERBOY_PORT: '3917',
      PAPERBOY_BASE_URL: 'http://localhost:3000',
      PAPERBOY_SOURCE: 'hf',
      // A port that refuses at once: the source cannot be read.
      PAPERBOY_HF_API_URL: 'http://127.0.0.1:1/api/daily_papers',
    });
    // The commands' own log level, as a person runs them (warnings shown).
    delete env.PAPERBOY_LOG_LEVEL;
    const doctor = await runCli(['doctor'], env, dir);
    expect(doctor.stdout).toContain(
      'warn  settings  PAPERBOY_BASE_URL is http://localhost:3000 but paperboy serves port 3917: the links in emails, the feed and the confirmation lead nowhere\n' +
        '                → set PAPERBOY_BASE_URL=http://localhost:3917, or leave it unset to follow PAPERBOY_PORT\n',
    );
    const source = doctor.stdout.split('\n').filter((l) => /check the network/.test(l));
    // The source's failure, then the fix once: not the error's own hint in the line as well.
    expect(source).toEqual([
      '                → check the network and PAPERBOY_SOURCE (file:samples/daily-papers.json works offline)',
    ]);

    // In outbox mode a send falls back to the sample papers and says so once, not in the log too.
    const send = await runCli(['send', '--date', '2026-11-28'], env, dir);
    expect(send.code).toBe(0);
    const said =
      `${send.stdout}${send.stderr}`.split('using the sample papers in samples/daily-papers.json').length - 1;
    expect(said).toBe(1);
    expect(send.stdout).toMatch(
      /^note: Hugging Face daily papers .* could not be read: .*; outbox mode, so using the sample papers in samples\/daily-papers\.json instead$/m,
    );
  });

  it('says what is wrong with a date, an address and a file', async () => {
    const dir = folder();
    const env = testEnv(dir);
    const date = await runCli(['send', '--date', '2026-13-01'], env, dir);
    expect([date.code, date.stderr]).toEqual([
      1,
      'paperboy: --date "2026-13-01": month 13 is out of range (01 to 12)\n',
    ]);
    const show = await runCli(['digests', 'show', '2026-02-30'], env, dir);
    expect(show.stderr).toBe('paperboy: "2026-02-30": February 2026 has 28 days, so day 30 does not exist\n');
    const add = await runCli(['subscribers', 'add', 'bob@example'], env, dir);
    expect([add.code, add.stderr]).toEqual([
      1,
      'paperboy: "bob@example" is not an email address: the domain "example" has no dot (e.g. example.com)\n',
    ]);
    const csv = await runCli(['subscribers', 'import', 'nope.csv'], env, dir);
    expect([csv.code, csv.stderr]).toEqual([
      1,
      'paperboy: nope.csv cannot be read: no such file\npaperboy: → check the path\n',
    ]);
  });
});
