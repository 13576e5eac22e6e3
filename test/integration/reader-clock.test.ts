import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { findSubscriberByEmail } from '../../src/store/subscribers.js';
import { signToken } from '../../src/subscribers/tokens.js';
import { runCli } from '../helpers/cli.js';
import { listen } from '../helpers/http-server.js';
import { type SmtpSink, startSmtpSink, waitForMail } from '../helpers/smtp-sink.js';
import { addActive, startTestApp, TEST_SECRET, type TestApp, tempDir, testEnv } from '../helpers/test-app.js';

// A reader's own time zone and delivery hour (issue 22, item 1), wherever a subscriber's settings
// are set: `subscribers add --timezone --hour` and `show`, the CSV columns, the sign-up form
// (applied when confirmed) and the preferences page, over a real HTTP server and SMTP sink.

const HELP =
  'use an IANA name such as Europe/Berlin (see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)';
/** The same text as an HTML page shows it (hono's html escapes quotes). */
const inHtml = (s: string) => s.replaceAll('"', '&quot;');

let app: TestApp | undefined;
let sink: SmtpSink | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
let cleanups: (() => void)[] = [];

afterEach(async () => {
  await http?.close();
  await app?.close();
  await sink?.close();
  for (const c of cleanups) c();
  app = sink = http = undefined;
  cleanups = [];
});

function cliDir(): string {
  const { dir, cleanup } = tempDir('paperboy-reader-clock-');
  cleanups.push(cleanup);
  return dir;
}

const clockLines = async (email: string, dir: string) =>
  (await runCli(['subscribers', 'show', email], testEnv(dir), dir)).stdout
    .split('\n')
    .filter((l) => /^(time zone|hour):/.test(l));

describe('subscribers add --timezone --hour, and show', () => {
  it('stores a zone (canonical case) and an hour; show says which are the list’s defaults', async () => {
    const dir = cliDir();
    const e = testEnv(dir);
    expect(
      (await runCli(['subscribers', 'add', 'ada@example.com', '--timezone', 'europe/berlin', '--hour', '7'], e, dir))
        .stdout,
    ).toBe('added ada@example.com (active)\n');
    expect(await clockLines('ada@example.com', dir)).toEqual(['time zone:    Europe/Berlin', 'hour:         07:00']);

    expect((await runCli(['subscribers', 'add', 'bob@example.com'], e, dir)).stdout).toBe(
      'added bob@example.com (active)\n',
    );
    expect(await clockLines('bob@example.com', dir)).toEqual([
      'time zone:    UTC (list default)',
      'hour:         07:00 (list default)',
    ]);
    // Adding again with only an hour changes the hour; the zone stays the list's.
    expect((await runCli(['subscribers', 'add', 'bob@example.com', '--hour', '18:00'], e, dir)).stdout).toBe(
      'bob@example.com already subscribed (updated)\n',
    );
    expect(await clockLines('bob@example.com', dir)).toEqual([
      'time zone:    UTC (list default)',
      'hour:         18:00',
    ]);
    // '' goes back to the list's zone.
    await runCli(['subscribers', 'add', 'ada@example.com', '--timezone', ''], e, dir);
    expect(await clockLines('ada@example.com', dir)).toEqual([
      'time zone:    UTC (list default)',
      'hour:         07:00',
    ]);
  });

  it('refuses a bad zone or hour with exit status 1, the value and the fix, and stores nothing', async () => {
    const dir = cliDir();
    const e = testEnv(dir);
    const zone = await runCli(['subscribers', 'add', 'cy@example.com', '--timezone', 'Mars/Olympus'], e, dir);
    expect({ code: zone.code, stdout: zone.stdout, stderr: zone.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: `paperboy: --timezone: "Mars/Olympus" is not a time zone: ${HELP}\n`,
    });
    const offset = await runCli(['subscribers', 'add', 'cy@example.com', '--timezone', 'UTC+2'], e, dir);
    expect({ code: offset.code, stderr: offset.stderr }).toEqual({
      code: 1,
      stderr: `paperboy: --timezone: "UTC+2" is a UTC offset, not a time zone (it follows no daylight saving): ${HELP}\n`,
    });
    const hour = await runCli(['subscribers', 'add', 'cy@example.com', '--hour', '24'], e, dir);
    expect({ code: hour.code, stderr: hour.stderr }).toEqual({
      code: 1,
      stderr: 'paperboy: --hour: "24" is not an hour: use a whole hour from 0 to 23 (7 for 07:00)\n',
    });
    expect((await runCli(['subscribers', 'list'], e, dir)).stdout).toBe('');
  });
});

describe('CSV columns timezone and hour', () => {
  it('imports good rows, reports a bad zone with its line number, and a round trip keeps every clock', async () => {
    const dir = cliDir();
    const e = testEnv(dir);
    const file = path.join(dir, 'list.csv');
    writeFileSync(
      file,
      [
        'email,name,timezone,hour',
        'ada@example.com,Ada,asia/tokyo,9',
        'bob@example.com,Bob,Mars/Olympus,9',
        'cy@example.com,Cy,,',
        'dee@example.com,Dee,America/New_York,25',
        'eve@example.com,Eve,Pacific/Kiritimati,07:00',
        '',
      ].join('\n'),
    );
    const imported = await runCli(['subscribers', 'import', file], e, dir);
    expect(imported.code).toBe(3);
    expect(imported.stderr).toBe(
      `${file} line 3: "Mars/Olympus" is not a time zone: ${HELP}\n` +
        `${file} line 5: "25" is not an hour: use a whole hour from 0 to 23 (7 for 07:00)\n`,
    );
    expect(imported.stdout.replace(/ in \d+\.\d s /, ' in … s ')).toBe(
      `imported ${file}: 5 rows in … s · 3 added, 0 updated, 0 unchanged, 0 repeated in the file, 0 left suppressed, 0 resubscribed, 2 bad rows skipped\n`,
    );
    expect(await clockLines('ada@example.com', dir)).toEqual(['time zone:    Asia/Tokyo', 'hour:         09:00']);
    expect(await clockLines('cy@example.com', dir)).toEqual([
      'time zone:    UTC (list default)',
      'hour:         07:00 (list default)',
    ]);
    expect((await runCli(['subscribers', 'show', 'bob@example.com'], e, dir)).code).toBe(1);

    const exported = (await runCli(['subscribers', 'export'], e, dir)).stdout;
    const columns = (csv: string) =>
      csv
        .trim()
        .split('\n')
        .map((l) => l.split(',').slice(0, 7).join(','));
    expect(columns(exported)).toEqual([
      'email,name,topics,status,status_reason,timezone,hour',
      'ada@example.com,Ada,,active,,Asia/Tokyo,9',
      'cy@example.com,Cy,,active,,,',
      'eve@example.com,Eve,,active,,Pacific/Kiritimati,7',
    ]);

    // Into another list and out again: the same zones and hours, the defaults still empty.
    const other = cliDir();
    const copy = path.join(other, 'export.csv');
    writeFileSync(copy, exported);
    const again = await runCli(['subscribers', 'import', copy], testEnv(other), other);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    expect(columns((await runCli(['subscribers', 'export'], testEnv(other), other)).stdout)).toEqual(columns(exported));

    // A file that has no zone column leaves the stored zones alone; an empty field is the default.
    const names = path.join(dir, 'names.csv');
    writeFileSync(names, 'email,name,hour\nada@example.com,Ada Lovelace,\n');
    await runCli(['subscribers', 'import', names], e, dir);
    expect(await clockLines('ada@example.com', dir)).toEqual([
      'time zone:    Asia/Tokyo',
      'hour:         07:00 (list default)',
    ]);
  });
});

async function serve() {
  sink = await startSmtpSink();
  const t = await startTestApp({
    PAPERBOY_SMTP_URL: sink.url,
    PAPERBOY_TIMEZONE: 'Europe/Berlin',
    PAPERBOY_SCHEDULE: '30 6 * * *',
  });
  app = t;
  // The scheduler's next run: the digest of 2 Dec, released at 06:30 in Berlin.
  http = await listen(createApp(t.ctx, { nextRun: () => new Date('2026-12-02T05:30:00Z') }));
  return { t, s: sink, base: http.url };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const local = (url: string, base: string) => url.replace('https://papers.example.org', base);

describe('the sign-up form’s time zone and hour', () => {
  it('shows the list’s zone and hour, refuses a bad one with the reason, stores the rest when confirmed', async () => {
    const { t, s, base } = await serve();
    const home = await (await fetch(`${base}/`)).text();
    expect(home).toContain(
      '<input type="text" name="timezone" id="timezone" list="zones" maxlength="64" autocomplete="off" spellcheck="false"\n        value="Europe/Berlin"></label>',
    );
    expect(home).toContain('<option value="Asia/Tokyo">');
    expect(home).toContain('<option value="6" selected>06:30</option>');
    expect(home.match(/<option value="\d+"( selected)?>\d\d:30<\/option>/g)).toHaveLength(24);

    const badZone = await fetch(
      `${base}/subscribe`,
      form({ email: 'new@example.com', timezone: 'Mars/Olympus', hour: '9' }),
    );
    expect(badZone.status).toBe(400);
    const badPage = await badZone.text();
    expect(badPage).toContain(
      `<p class="error" role="alert">${inHtml(`"Mars/Olympus" is not a time zone: ${HELP}`)}</p>`,
    );
    // The form comes back as sent: the zone typed (not to be replaced by the browser's), the hour chosen.
    expect(badPage).toContain('value="Mars/Olympus" data-chosen></label>');
    expect(badPage).toContain('<option value="9" selected>09:30</option>');
    const badHour = await fetch(`${base}/subscribe`, form({ email: 'new@example.com', timezone: '', hour: '24' }));
    expect(badHour.status).toBe(400);
    expect(await badHour.text()).toContain(
      `<p class="error" role="alert">${inHtml('"24" is not an hour: use a whole hour from 0 to 23 (7 for 07:00)')}</p>`,
    );
    expect(await findSubscriberByEmail(t.ctx.db, 'new@example.com')).toBeUndefined();

    const ok = await fetch(`${base}/subscribe`, form({ email: 'new@example.com', timezone: 'asia/tokyo', hour: '9' }));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<p>Each digest arrives at 09:30 (Asia/Tokyo).</p>');
    const [confirmation] = await waitForMail(s, 'new@example.com');
    // Asked for, not applied: the zone and hour wait beside the request.
    expect(await findSubscriberByEmail(t.ctx.db, 'new@example.com')).toMatchObject({
      status: 'pending',
      timezone: null,
      hour: null,
      request: { timezone: 'Asia/Tokyo', hour: 9 },
    });
    const link = /https:\/\/papers\.example\.org\/confirm\/\S+/.exec(confirmation?.mail.text ?? '')?.[0] ?? '';
    const welcome = await (await fetch(local(link, base), { method: 'POST' })).text();
    // Released at 14:30 in Tokyo: the reader gets it at their next 09:30.
    expect(welcome).toContain(
      '<p class="next">Your first digest arrives on Thursday, 3 December 2026 at 09:30 (Asia/Tokyo).</p>',
    );
    expect(await findSubscriberByEmail(t.ctx.db, 'new@example.com')).toMatchObject({
      status: 'active',
      timezone: 'Asia/Tokyo',
      hour: 9,
      request: null,
    });

    // The list's own zone and hour, as the form shows them, are stored as "the list's".
    await fetch(`${base}/subscribe`, form({ email: 'plain@example.com', timezone: 'Europe/Berlin', hour: '6' }));
    const [plain] = await waitForMail(s, 'plain@example.com');
    const plainLink = /https:\/\/papers\.example\.org\/confirm\/\S+/.exec(plain?.mail.text ?? '')?.[0] ?? '';
    await fetch(local(plainLink, base), { method: 'POST' });
    expect(await findSubscriberByEmail(t.ctx.db, 'plain@example.com')).toMatchObject({
      status: 'active',
      timezone: null,
      hour: null,
    });
  });
});

describe('the preferences page’s time zone and hour', () => {
  it('shows when the digest arrives, saves a new zone and hour, and refuses a bad one changing nothing; the admin sees them', async () => {
    const { t, base } = await serve();
    await addActive(t, 'ada@example.com');
    const id = (await findSubscriberByEmail(t.ctx.db, 'ada@example.com'))?.id ?? 0;
    const url = `${base}/p/${signToken(TEST_SECRET, 'preferences', id)}`;
    const page = await (await fetch(url)).text();
    expect(page).toContain('<p class="next">Your digest arrives at 06:30 (Europe/Berlin).</p>');
    expect(page).toContain('value="Europe/Berlin" data-chosen></label>');
    expect(page).toContain('<option value="6" selected>06:30</option>');
    const admin = async () => (await fetch(`${base}/admin/subscribers/${id}`)).text();
    expect(await admin()).toContain(
      '<tr><td>Delivery</td><td>06:30 (list default) · Europe/Berlin (list default)</td></tr>',
    );
    // The preferences page runs no script: the zone shown is the stored one.
    expect(page).not.toContain('<script');

    const fields = { action: 'save', name: '', topics: '', pause: 'keep', frequency: 'daily' };
    const saved = await fetch(url, form({ ...fields, timezone: 'america/new_york', hour: '18' }));
    expect(saved.status).toBe(200);
    const savedPage = await saved.text();
    expect(savedPage).toContain('<p class="notice" role="status">Saved.</p>');
    expect(savedPage).toContain('<p class="next">Your digest arrives at 18:30 (America/New_York).</p>');
    expect(await findSubscriberByEmail(t.ctx.db, 'ada@example.com')).toMatchObject({
      timezone: 'America/New_York',
      hour: 18,
    });
    expect(await admin()).toContain('<tr><td>Delivery</td><td>18:30 · America/New_York</td></tr>');

    const badZone = await fetch(url, form({ ...fields, name: 'Changed', timezone: 'UTC+2', hour: '7' }));
    expect(badZone.status).toBe(400);
    expect(await badZone.text()).toContain(
      `<p class="error" role="alert">${inHtml(`"UTC+2" is a UTC offset, not a time zone (it follows no daylight saving): ${HELP}`)}</p>`,
    );
    const badHour = await fetch(url, form({ ...fields, timezone: 'Asia/Tokyo', hour: 'seven' }));
    expect(badHour.status).toBe(400);
    expect(await badHour.text()).toContain(
      `<p class="error" role="alert">${inHtml('"seven" is not an hour: use a whole hour from 0 to 23 (7 for 07:00)')}</p>`,
    );
    expect(await findSubscriberByEmail(t.ctx.db, 'ada@example.com')).toMatchObject({
      name: null,
      timezone: 'America/New_York',
      hour: 18,
    });

    // A form without the fields (an older page) leaves them; the list's own zone and hour are its defaults.
    await fetch(url, form({ ...fields, name: 'Ada' }));
    expect(await findSubscriberByEmail(t.ctx.db, 'ada@example.com')).toMatchObject({
      name: 'Ada',
      timezone: 'America/New_York',
      hour: 18,
    });
    await fetch(url, form({ ...fields, timezone: 'Europe/Berlin', hour: '6' }));
    expect(await findSubscriberByEmail(t.ctx.db, 'ada@example.com')).toMatchObject({ timezone: null, hour: null });
  });
});
