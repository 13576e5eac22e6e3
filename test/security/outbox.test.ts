import { mkdirSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { listen } from '../helpers/http-server.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
let http: { url: string; close: () => Promise<void> } | undefined;
afterEach(async () => {
  await http?.close();
  await app?.close();
  app = http = undefined;
});

const b64 = (s: string) => `=?UTF-8?B?${Buffer.from(s).toString('base64')}?=`;

/** Writes a message into the outbox with the given headers and modification time (seconds). */
function writeMessage(dir: string, name: string, headers: string[], mtimeSec: number, body = 'Hello.\r\n'): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `${[...headers, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8'].join('\r\n')}\r\n\r\n${body}`,
  );
  utimesSync(file, mtimeSec, mtimeSec);
  return file;
}

function sampleOutbox(dir: string): void {
  writeMessage(
    dir,
    'a.eml',
    [
      'From: Daily Papers <digest@papers.example.org>',
      'To: =?UTF-8?Q?Jos=C3=A9_M=C3=BCller?= <jose@example.com>',
      `Subject: ${b64('Daily Papers · 27 Nov 2026 · Über Attention')}`,
      'Date: Fri, 27 Nov 2026 07:00:00 +0100',
    ],
    1_800_000_000,
  );
  writeMessage(
    dir,
    'b.eml',
    [
      'From: Daily Papers <digest@papers.example.org>',
      // A folded header, a quoted name with a comma, and a Q-encoded subject with an underscore.
      'To: "Smith, Bob" <bob@example.com>,',
      ` ${b64('中文 读者')} <zh@example.com>`,
      'Subject: =?UTF-8?Q?Confirm_your_subscription_to_=E2=80=9CDaily_Papers=E2=80=9D?=',
      'Date: Sat, 28 Nov 2026 08:30:00 +0000',
    ],
    1_800_000_300,
  );
  writeMessage(
    dir,
    'c.eml',
    ['From: x@example.org', 'To: ada@example.com', 'Date: Sat, 28 Nov 2026 09:00:00 +0000'],
    1_800_000_100,
  );
}

const rows = (page: string) =>
  [...page.matchAll(/<tr><td class="nowrap">(.*?)<\/td><td>(.*?)<\/td>\s*<td><a href="([^"]+)">(.*?)<\/a><\/td>/g)].map(
    (m) => m.slice(1).join(' | '),
  );

describe('the outbox list', () => {
  it('shows each message’s date, To and Subject decoded (RFC 2047), newest first', async () => {
    app = await startTestApp();
    sampleOutbox(app.config.outboxDir);
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const page = await rawRequest(http.url, { path: '/outbox' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('3 messages.');
    expect(rows(page.body)).toEqual([
      '2026-11-28 08:30:00 | &quot;Smith, Bob&quot; &lt;bob@example.com&gt;, &quot;中文 读者&quot; &lt;zh@example.com&gt; | /outbox/b.eml | Confirm your subscription to “Daily Papers”',
      '2026-11-28 09:00:00 | ada@example.com | /outbox/c.eml | (no subject)',
      '2026-11-27 06:00:00 | &quot;José Müller&quot; &lt;jose@example.com&gt; | /outbox/a.eml | Daily Papers · 27 Nov 2026 · Über Attention',
    ]);
  });

  it('reads only the header of each message to list it: a 3 GB message is listed, and the rest too', async () => {
    app = await startTestApp();
    sampleOutbox(app.config.outboxDir);
    const huge = writeMessage(
      app.config.outboxDir,
      'huge.eml',
      ['From: x@example.org', 'To: big@example.com', 'Subject: Huge', 'Date: Sun, 29 Nov 2026 10:00:00 +0000'],
      1_800_000_500,
    );
    truncateSync(huge, 3 * 1024 ** 3); // sparse: no disk used
    utimesSync(huge, 1_800_000_500, 1_800_000_500);
    http = await listen(createApp(app.ctx, { nextRun: () => null }));
    const page = await rawRequest(http.url, { path: '/outbox' });
    expect(page.status).toBe(200);
    expect(rows(page.body)[0]).toBe('2026-11-29 10:00:00 | big@example.com | /outbox/huge.eml | Huge');
    expect(rows(page.body)).toHaveLength(4);
  });
});
