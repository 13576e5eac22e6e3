/**
 * Hostile paper data end to end: every field of the papers carries CR/LF, NUL, Handlebars braces,
 * `<`, `&`, script links and a forged per-recipient marker; titles run to 2,000 characters and
 * author lists to 50; a reader's topics are hostile too. Sent through a real SMTP server and read
 * back with mailparser: the headers stay valid, the HTML escaped, every link http(s) or mailto, and
 * the clipping guard holds.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { runDigest } from '../../src/pipeline/run-digest.js';
import { escapeHtml } from '../../src/render/helpers.js';
import { stripMarkers } from '../../src/render/personalize.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { parseTopics } from '../../src/subscribers/topics.js';
import { oneLine } from '../../src/text.js';
import { type Received, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.js';
import { addActive, sourceFile, startTestApp, type TestApp } from '../helpers/test-app.js';
import { wireHtmlBytes } from '../helpers/wire.js';

const DATE = '2026-11-28';
const EVIL = '\r\nBcc: evil@attacker.example\r\nX-Injected: yes\u0000';
/** What every field carries besides the header injection: braces, markup, `&`, a script link, a marker. */
const NASTY = '{{#each this}} {{{raw}}} }} & <b>bold</b> <script>alert(1)</script> javascript:alert(1) =pb:email=';
const HOSTILE = `${EVIL} ${NASTY}`;

let app: TestApp | undefined;
let sink: SmtpSink | undefined;

afterEach(async () => {
  await app?.close();
  await sink?.close();
  app = undefined;
  sink = undefined;
});

/** An HF daily-papers item whose every text field is `paper`'s (no item-level title or summary). */
function item(id: string, upvotes: number, paper: Record<string, unknown>): object {
  return {
    paper: {
      id,
      upvotes,
      publishedAt: '2026-11-27T10:00:00.000Z',
      authors: Array.from({ length: 50 }, (_, k) => ({ name: `Author${k} ${k % 10 === 0 ? HOSTILE : 'Name'}` })),
      summary: `An abstract.${HOSTILE} ${HOSTILE} It goes on.`,
      ...paper,
    },
    numComments: 3,
  };
}

const HUGE_TITLE = (i: number) => `Huge title ${i} ${`${HOSTILE} sparse attention `.repeat(40)}`.slice(0, 2000);
const SAFE_REPO = 'https://github.com/example/repo?a=1&b="<x>"';

const ITEMS = [
  item('2511.40001', 1000, { title: `Hostile${HOSTILE}`, githubRepo: 'javascript:alert(document.cookie)' }),
  item('2511.40002', 999, { title: `Safe repo & <friends> ${NASTY}`, githubRepo: SAFE_REPO }),
  item('2511.40003', 998, { title: `Upper-case scheme${HOSTILE}`, githubRepo: ' JAVASCRIPT:alert(1)' }),
  item('2511.40004', 997, { title: `Data URL${HOSTILE}`, githubRepo: 'data:text/html,<script>alert(1)</script>' }),
  item('2511.40005', 996, { title: `Tab in scheme${HOSTILE}`, githubRepo: 'java\tscript:alert(1)' }),
  item('2511.40006', 995, { title: `VBScript${HOSTILE}`, githubRepo: 'vbscript:msgbox(1)' }),
  ...Array.from({ length: 34 }, (_, i) =>
    item(`2511.${40010 + i}`, 900 - i, {
      title: HUGE_TITLE(i),
      summary: `${HOSTILE} ${'A long abstract sentence. '.repeat(80)}`,
    }),
  ),
];

/** The header block of a raw message, folded lines joined. */
function headerLines(raw: string): string[] {
  const head = raw.split(/\r\n\r\n/)[0] ?? '';
  return head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
}

function hrefs(html: string): string[] {
  return [...html.matchAll(/\shref\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi)].map((m) => m[2] ?? m[3] ?? m[4] ?? '');
}

async function sendHostileDay(): Promise<{ ada: Received; bob: Received }> {
  sink = await startSmtpSink();
  const smtpUrl = sink.url;
  app = await startTestApp((dir) => ({
    PAPERBOY_SMTP_URL: smtpUrl,
    PAPERBOY_SOURCE: sourceFile(dir, ITEMS),
    PAPERBOY_PAPERS_PER_DIGEST: '40',
  }));
  await addActive(app, 'ada@example.com');
  // A reader whose topics (as typed in the preferences form) are hostile and match the top paper.
  await upsertSubscriber(app.ctx.db, {
    email: 'bob@example.com',
    name: null,
    status: 'active',
    topics: parseTopics('{{#each this}} {{{raw}}} }} & <b>bold</b>; Hostile'),
  });
  const report = await runDigest(app.ctx, { date: DATE });
  expect({ sent: report.sent, failed: report.failed }).toEqual({ sent: 2, failed: 0 });
  const [ada, bob] = [sink.to('ada@example.com'), sink.to('bob@example.com')];
  expect(ada).toHaveLength(1);
  expect(bob).toHaveLength(1);
  return { ada: ada[0] as Received, bob: bob[0] as Received };
}

describe('hostile paper data, sent over SMTP', () => {
  it('keeps headers valid: one Subject, no injected header or recipient, no control character', async () => {
    const { ada, bob } = await sendHostileDay();
    expect(sink?.received).toHaveLength(2);
    for (const r of [ada, bob]) {
      expect(r.rcptTo).toHaveLength(1);
      const lines = headerLines(r.raw);
      for (const line of lines) {
        // A header field: a printable-ASCII name, a colon, printable ASCII (non-ASCII is encoded).
        expect(line).toMatch(/^[!-9;-~]+:[ \t\x21-\x7e]*$/);
        expect(line.length).toBeLessThanOrEqual(998);
      }
      const names = lines.map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
      for (const once of ['from', 'to', 'subject', 'date', 'message-id']) {
        expect(
          names.filter((n) => n === once),
          once,
        ).toHaveLength(1);
      }
      expect(names).not.toContain('bcc');
      expect(names).not.toContain('x-injected');
      expect(r.mail.bcc).toBeUndefined();
      expect(r.mail.headers.has('x-injected')).toBe(false);
      // The subject: one line, cut to 120 characters, the injection attempt flattened into words.
      const subject = r.mail.subject ?? '';
      expect(subject).toMatch(/^Daily Papers · 28 Nov 2026 · Hostile Bcc: evil@attacker\.example X-Injected: yes /);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
      expect(subject).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(subject.length).toBeLessThanOrEqual(120);
      // No NUL anywhere: not in the raw message, not in either decoded part.
      expect(r.raw).not.toContain('\u0000');
      expect(r.mail.html || '').not.toContain('\u0000');
      expect(r.mail.text ?? '').not.toContain('\u0000');
    }
  });

  it('escapes every field in the HTML, keeps braces as text, links only http(s) or mailto, and stays under 90 KB', async () => {
    const { ada, bob } = await sendHostileDay();
    for (const r of [ada, bob]) {
      const html = r.mail.html || '';
      const text = r.mail.text ?? '';
      // The clipping guard: under 90 KB on the wire (quoted-printable, CRLF), abstracts dropped
      // before any paper moved to the More today list.
      expect(wireHtmlBytes(r.raw)).toBeLessThan(90 * 1024);
      expect(html).toContain('<b>More today</b>');
      expect(html).not.toContain('An abstract.');
      expect(html).not.toContain('A long abstract sentence.');
      // Markup from the data is text, never markup.
      expect(html).not.toMatch(/<script|<b>bold|javascript:alert\(document/i);
      // The whole hostile string, escaped, in an author's name (a marker in data is defused: `= pb:email=`);
      // on this day of huge titles the guard has cut the titles, so the top one shows its start.
      expect(html).toContain(escapeHtml(stripMarkers(`Author0 Bcc: evil@attacker.example X-Injected: yes ${NASTY}`)));
      expect(html).toContain('>Hostile Bcc: evil@attacker.example X-Injected: yes');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      // Handlebars syntax in the data is shown as it is, in both parts.
      expect(html).toContain('{{#each this}} {{{raw}}} }} &amp; &lt;b&gt;bold&lt;/b&gt;');
      expect(text).toContain('{{#each this}} {{{raw}}} }} & <b>bold</b>');
      // Every link is http(s) or mailto; the one real repository keeps its link, escaped.
      const links = hrefs(html);
      expect(links.length).toBeGreaterThan(20);
      expect(links.filter((h) => !/^(https?:\/\/|mailto:)/i.test(h))).toEqual([]);
      expect(html).toContain(`href="${escapeHtml(new URL(SAFE_REPO).toString())}"`);
      const textLinks = [...text.matchAll(/^ {4}(?:arXiv|PDF|Code|Hugging Face): +(\S*)/gm)].map((m) => m[1]);
      expect(textLinks.length).toBeGreaterThan(20);
      expect(textLinks.filter((u) => !u?.startsWith('https://'))).toEqual([]);
      expect(text).toContain(`\n    Code:           ${new URL(SAFE_REPO).toString()}\n`);
      // A marker forged in the data is never filled: the reader's address appears once, in the footer.
      const address = r.rcptTo[0] ?? '';
      expect(html.split(address)).toHaveLength(2);
      expect(text.split(address)).toHaveLength(2);
      // Every paper is still there: its title (perhaps shortened) and its link, in both parts.
      for (const it of ITEMS as { paper: { id: string; title: string } }[]) {
        const start = oneLine(it.paper.title).slice(0, 30);
        expect(html).toContain(escapeHtml(start));
        expect(text.replace(/\s+/g, ' ')).toContain(start);
        expect(html).toContain(`href="https://huggingface.co/papers/${it.paper.id}"`);
        expect(text).toContain(`https://huggingface.co/papers/${it.paper.id}`);
      }
    }
    // The reader's hostile topics are escaped in the header and on the papers they match.
    const bobHtml = bob.mail.html || '';
    expect(bobHtml).toContain(`for your topics: ${escapeHtml('{{#each this}} {{{raw}}} }} & <b>bold</b>, Hostile')}`);
    expect(bobHtml).toContain(`Matches: ${escapeHtml('{{#each this}} {{{raw}}} }} & <b>bold</b>, Hostile')}`);
    expect(bob.mail.text).toContain('Matches: {{#each this}} {{{raw}}} }} & <b>bold</b>, Hostile');
  });
});
