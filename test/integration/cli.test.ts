import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { hfItem, ROOT, sourceFile, tempDir, testEnv } from '../helpers/test-app.js';

let dir: string;
let cleanup: () => void;
let sink: SmtpSink | undefined;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('paperboy-cli-'));
});
afterEach(async () => {
  await sink?.close();
  sink = undefined;
  cleanup();
});

const env = (extra: Record<string, string> = {}) => {
  const { PAPERBOY_LOG_LEVEL: _quiet, ...e } = testEnv(dir, extra);
  return { ...e, ...extra };
};
const outbox = () => (existsSync(path.join(dir, 'outbox')) ? readdirSync(path.join(dir, 'outbox')) : []);

describe('paperboy CLI', () => {
  it('reports every bad setting at once, one line each, naming the variable and what it expects', async () => {
    const r = await runCli(
      ['send'],
      env({
        PAPERBOY_PORT: 'abc',
        PAPERBOY_SMTP_URL: 'http://mail.example.com',
        PAPERBOY_TIMEZONE: 'Mars/Olympus',
        PAPERBOY_PAPERS_PER_DIGEST: '0',
      }),
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      'paperboy: PAPERBOY_SMTP_URL: expected smtp://user:pass@host:port or smtps://user:pass@host:port (unset it to write to the outbox)',
      'paperboy: PAPERBOY_PAPERS_PER_DIGEST: expected a whole number from 1 to 100, got "0"',
      'paperboy: PAPERBOY_TIMEZONE: expected an IANA time zone such as UTC or Europe/Paris',
      'paperboy: PAPERBOY_PORT: expected a whole number from 0 to 65535, got "abc"',
      'paperboy: → set these variables in the environment or in .env (see .env.example)',
    ]);
    expect(r.stdout).toBe('');
  });

  it('reads settings from .env, under the environment', async () => {
    writeFileSync(path.join(dir, '.env'), 'PAPERBOY_PAPERS_PER_DIGEST=3\nPAPERBOY_LIST_NAME=Env File Papers\n');
    const r = await runCli(['send', '--dry-run', '--date', '2026-11-28'], env({ PAPERBOY_LIST_NAME: 'From Env' }), dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^2026-11-28: dry run, nothing sent · 3 papers · 0 would receive it · "From Env · 28 Nov 2026 · /m,
    );
  });

  it('names the template file and line of a template syntax error, and stores and sends nothing', async () => {
    const templates = path.join(dir, 'templates');
    cpSync(path.join(ROOT, 'templates'), templates, { recursive: true });
    const file = path.join(templates, 'digest.mjml.hbs');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[31] = '    {{#each papers}';
    writeFileSync(file, lines.join('\n'));
    await runCli(['subscribers', 'add', 'ada@example.com'], env(), dir);

    const r = await runCli(['send', '--date', '2026-11-28'], env({ PAPERBOY_TEMPLATES_DIR: templates }), dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^paperboy: templates\/digest\.mjml\.hbs line 32: Expecting .+, got 'INVALID'$/m);
    expect(outbox()).toEqual([]);
    const list = await runCli(['subscribers', 'list'], env(), dir);
    expect(list.stdout).toMatch(/^ada@example\.com\t\tactive\t/);
  });

  it('reports a source file that is not JSON in one line and sends nothing', async () => {
    await runCli(['subscribers', 'add', 'ada@example.com'], env(), dir);
    const source = sourceFile(dir, '[{"paper": {"id": "2511.00001", ');
    const r = await runCli(['send', '--date', '2026-11-28'], env({ PAPERBOY_SOURCE: source }), dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^paperboy: file .*papers\.json is not valid JSON: .+$/m);
    expect(r.stderr).toContain('paperboy: → it must be a JSON array of Hugging Face daily papers items');
    expect(outbox()).toEqual([]);
  });

  it('skips and reports malformed items and sends the rest', async () => {
    await runCli(['subscribers', 'add', 'ada@example.com'], env(), dir);
    const source = sourceFile(dir, [
      hfItem('2511.00001', 'A good paper', 10),
      { paper: { title: 'No id' } },
      hfItem('not-an-id', 'Bad id', 3),
      hfItem('2511.00002', 'Another good paper', 4),
      'just a string',
    ]);
    const r = await runCli(['send', '--date', '2026-11-28'], env({ PAPERBOY_SOURCE: source }), dir);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('skipped'))).toEqual([
      'skipped source item 1: paper.id: Invalid input: expected string, received undefined',
      'skipped source item 2 (not-an-id): paper.id: not an arXiv id',
      'skipped source item 4: item: Invalid input: expected object, received string',
    ]);
    expect(r.stdout).toContain('2026-11-28: sent 1, failed 0, skipped 0');
    const digest = JSON.parse(readFileSync(path.join(dir, 'digests', '2026-11-28', 'digest.json'), 'utf8'));
    expect(digest.papers.map((p: { title: string }) => p.title)).toEqual(['A good paper', 'Another good paper']);
  });

  it('exits 3 and names the address when a delivery fails with 550, having sent the others', async () => {
    sink = await startSmtpSink((a) =>
      a === 'nobody@example.com' ? { code: 550, message: '5.1.1 No such user' } : null,
    );
    const e = env({ PAPERBOY_SMTP_URL: sink.url });
    for (const a of ['ada@example.com', 'nobody@example.com', 'bob@example.com']) {
      await runCli(['subscribers', 'add', a], e, dir);
    }
    const r = await runCli(['send', '--date', '2026-11-28'], e, dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('failed: nobody@example.com: 550 5.1.1 No such user\n');
    expect(r.stdout).toContain('2026-11-28: sent 2, failed 1, skipped 0');
    expect(sink.received.map((m) => m.rcptTo[0]).sort()).toEqual(['ada@example.com', 'bob@example.com']);
  });

  it('--dry-run renders and reports but stores and sends nothing; --to sends one test copy and marks nothing', async () => {
    await runCli(['subscribers', 'add', 'ada@example.com'], env(), dir);
    await runCli(['subscribers', 'add', 'bob@example.com'], env(), dir);

    const dry = await runCli(['send', '--dry-run', '--date', '2026-11-28'], env(), dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^2026-11-28: dry run, nothing sent · 10 papers · 2 would receive it · /m);
    expect(outbox()).toEqual([]);
    expect(existsSync(path.join(dir, 'digests', '2026-11-28'))).toBe(false);

    const test = await runCli(['send', '--to', 'Editor@Example.org', '--date', '2026-11-28'], env(), dir);
    expect(test.code).toBe(0);
    expect(outbox()).toHaveLength(1);
    const eml = readFileSync(path.join(dir, 'outbox', outbox()[0] ?? ''), 'utf8');
    expect(eml).toMatch(/^To: Editor@example\.org$/m);
    expect(eml).toMatch(/^Subject: =\?UTF-8\?Q\?=5BTest=5D_Daily_Papers/m);

    const real = await runCli(['send', '--date', '2026-11-28'], env(), dir);
    expect(real.stdout).toContain('2026-11-28: sent 2, failed 0, skipped 0');
    expect(outbox()).toHaveLength(3);
  });

  it('says so clearly on a day with no new papers, and sends no empty email', async () => {
    await runCli(['subscribers', 'add', 'ada@example.com'], env(), dir);
    const source = sourceFile(dir, [hfItem('2511.00001', 'Only paper', 10)]);
    const first = await runCli(['send', '--date', '2026-11-28'], env({ PAPERBOY_SOURCE: source }), dir);
    expect(first.stdout).toContain('sent 1');
    const second = await runCli(['send', '--date', '2026-11-29'], env({ PAPERBOY_SOURCE: source }), dir);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(
      'no new papers for 2026-11-29: all 1 papers the source answered already went out in earlier digests; nothing was sent\n',
    );
    expect(outbox()).toHaveLength(1);
  });

  it('imports a CSV: bad rows reported by line number, good rows imported, duplicates merged', async () => {
    const csv = path.join(dir, 'list.csv');
    writeFileSync(
      csv,
      '\uFEFFname,email\nAda Lovelace,ada@example.com\nNo Address,\nBad,not-an-email\nAda Again,ada@EXAMPLE.com\n,bob@Example.NET\n',
    );
    const r = await runCli(['subscribers', 'import', csv], env(), dir);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${csv} line 3: email is empty`,
      `${csv} line 4: "not-an-email" is not an email address`,
    ]);
    expect(r.stdout).toBe(
      `imported ${csv}: 2 added, 1 updated, 0 unchanged, 1 duplicates merged, 2 bad rows skipped\n`,
    );
    const list = await runCli(['subscribers', 'list'], env(), dir);
    expect(list.stdout.split('\n').map((l) => l.split('\t').slice(0, 3).join(' | '))).toEqual([
      'ada@example.com | Ada Again | active',
      'bob@example.net |  | active',
      '',
    ]);
  });
});
