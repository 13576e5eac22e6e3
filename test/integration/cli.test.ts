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

  /** A copy of the templates whose digest.mjml.hbs has line `n` replaced by `text`. */
  function templatesWithLine(n: number, text: string): string {
    const templates = path.join(dir, 'templates');
    cpSync(path.join(ROOT, 'templates'), templates, { recursive: true });
    const file = path.join(templates, 'digest.mjml.hbs');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[n - 1] = text;
    writeFileSync(file, lines.join('\n'));
    return templates;
  }

  it('names the template file and line of a template syntax error, and stores and sends nothing', async () => {
    const templates = templatesWithLine(32, '    {{#each papers}');
    await runCli(['subscribers', 'add', 'ada@example.com'], env(), dir);

    const r = await runCli(['send', '--date', '2026-11-28'], env({ PAPERBOY_TEMPLATES_DIR: templates }), dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^paperboy: templates\/digest\.mjml\.hbs line 32: Expecting .+, got 'INVALID'$/m);
    expect(outbox()).toEqual([]);
    const list = await runCli(['subscribers', 'list'], env(), dir);
    expect(list.stdout).toMatch(/^ada@example\.com\t\tactive\t/);
  });

  it('names the template and the MJML line of markup MJML rejects, and sends nothing', async () => {
    const templates = templatesWithLine(32, '    <mj-text>outside any column</mj-text>');
    await runCli(['subscribers', 'add', 'ada@example.com'], env(), dir);

    const r = await runCli(['send', '--date', '2026-11-28'], env({ PAPERBOY_TEMPLATES_DIR: templates }), dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'paperboy: templates/digest.mjml.hbs: MJML line 32 of the generated MJML: mj-text cannot be used inside mj-body, only inside: mj-attributes, mj-column, mj-hero\n' +
        'paperboy: → fix the template; nothing was sent\n',
    );
    expect(outbox()).toEqual([]);
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
    expect(first.stdout).toMatch(/^2026-11-28: sent 1, failed 0, skipped 0 · /m);
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
    const errors = path.join(dir, 'errors.csv');
    const r = await runCli(['subscribers', 'import', csv, '--errors', errors], env(), dir);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${csv} line 3: email is empty`,
      `${csv} line 4: "not-an-email" is not an email address`,
    ]);
    expect(r.stdout).toMatch(
      /^imported .*list\.csv: 5 rows in \d+\.\d s · 2 added, 0 updated, 0 unchanged, 1 repeated in the file, 0 left suppressed, 0 resubscribed, 2 bad rows skipped\n$/,
    );
    expect(readFileSync(errors, 'utf8')).toBe(
      ['line,reason', '3,"email is empty"', '4,"""not-an-email"" is not an email address"', ''].join('\n'),
    );
    const list = await runCli(['subscribers', 'list'], env(), dir);
    expect(list.stdout.split('\n').map((l) => l.split('\t').slice(0, 3).join(' | '))).toEqual([
      'ada@example.com | Ada Again | active',
      'bob@example.net |  | active',
      '',
    ]);
  });

  it('adds with topics, sends a confirmation with --pending, searches, shows, exports and removes', async () => {
    const e = env();
    const added = await runCli(
      ['subscribers', 'add', 'ada@example.com', '--name', 'Ada', '--topics', 'RL, cs.LG'],
      e,
      dir,
    );
    expect(added.stdout).toBe('added ada@example.com (active)\n');
    expect((await runCli(['subscribers', 'add', 'new@example.com', '--pending'], e, dir)).stdout).toBe(
      'added new@example.com (pending): confirmation sent\n',
    );
    const confirmation = outbox().find((f) => f.startsWith('confirm.'));
    expect(confirmation).toBeDefined();
    expect(readFileSync(path.join(dir, 'outbox', confirmation ?? ''), 'utf8')).toMatch(
      /^Subject: Confirm your subscription to Daily Papers\r$/m,
    );

    const found = await runCli(['subscribers', 'list', '--search', 'ADA'], e, dir);
    expect(found.stdout).toMatch(/^ada@example\.com\tAda\tactive\t\d{4}-\d\d-\d\d\n$/);

    await runCli(['send', '--date', '2026-11-28'], e, dir);
    const shown = await runCli(['subscribers', 'show', 'ada@example.com'], e, dir);
    expect(shown.stdout).toContain('status:       active\n');
    expect(shown.stdout).toContain('topics:       RL, cs.LG\n');
    expect(shown.stdout).toMatch(/deliveries:\n {2}2026-11-28 {2}sent {5}attempts 1 {2}sent \d{4}-/);

    expect((await runCli(['subscribers', 'remove', 'ada@example.com'], e, dir)).stdout).toBe(
      'removed ada@example.com: no further digests (suppressed; its history is kept)\n',
    );
    const exported = await runCli(['subscribers', 'export'], e, dir);
    const lines = exported.stdout.trim().split('\n');
    expect(lines[0]).toBe('email,name,topics,status,status_reason,timezone,hour,created_at,votes');
    // created_at and the (empty) votes column off the end; the zone and hour empty (the list's).
    expect(lines.slice(1).map((l) => l.replace(/,[^,]+,$/, ''))).toEqual([
      'ada@example.com,Ada,"RL, cs.LG",unsubscribed,removed,,',
      'new@example.com,,,pending,,,',
    ]);
    // Re-importing the export as active keeps the removed address suppressed.
    const file = path.join(dir, 'export.csv');
    writeFileSync(file, exported.stdout.replace('unsubscribed,removed', 'active,'));
    const again = await runCli(['subscribers', 'import', file], e, dir);
    expect(again.stdout.replace(/ in \d+\.\d s /, ' in … s ')).toBe(
      `imported ${file}: 2 rows in … s · 0 added, 0 updated, 1 unchanged, 0 repeated in the file, 1 left suppressed, 0 resubscribed, 0 bad rows skipped\n`,
    );
    expect((await runCli(['subscribers', 'list', '--status', 'unsubscribed'], e, dir)).stdout).toMatch(
      /^ada@example\.com\t/,
    );
  }, 90_000);

  it('doctor checks the mail server and the source and says what to fix; digests list and show', async () => {
    sink = await startSmtpSink();
    const good = await runCli(['doctor'], env({ PAPERBOY_SMTP_URL: sink.url }), dir);
    expect(good.code).toBe(0);
    const lines = good.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('ok    mail'))).toBe(
      `ok    mail      SMTP 127.0.0.1:${sink.port} answers EHLO and accepts the login`,
    );
    expect(lines.find((l) => l.startsWith('ok    source'))).toMatch(
      /^ok {4}source {4}file .*daily-papers\.json answered 70 papers for \d{4}-\d\d-\d\d$/,
    );
    expect(lines.find((l) => l.startsWith('ok    templates'))).toMatch(
      /compile \(MJML strict\); a sample digest is \d+ KB of HTML on the wire$/,
    );

    const port = sink.port;
    await sink.close();
    sink = undefined;
    const bad = await runCli(['doctor'], env({ PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${port}` }), dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /^FAIL {2}mail {6}.*ECONNREFUSED.*\n {16}→ check PAPERBOY_SMTP_URL: host, port, user and password$/m,
    );

    await runCli(['subscribers', 'add', 'ada@example.com'], env(), dir);
    await runCli(['send', '--date', '2026-11-28'], env(), dir);
    const list = await runCli(['digests', 'list'], env(), dir);
    expect(list.stdout).toMatch(
      /^2026-11-28\tsent\tsent 1, failed 0, skipped 0, pending 0\tDaily Papers · 28 Nov 2026 · /,
    );
    const show = await runCli(['digests', 'show', '2026-11-28'], env(), dir);
    expect(show.stdout).toContain('deliveries: sent 1, failed 0, skipped 0, pending 0\n');
    expect(show.stdout).toMatch(/editions:\n {2}#1 daily · no topics · 10 papers · 1 reader · \d+ KB/);
    const missing = await runCli(['digests', 'show', '2026-11-01'], env(), dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'paperboy: no digest for 2026-11-01\npaperboy: → `paperboy digests list` shows the dates\n',
    );
  });
});
