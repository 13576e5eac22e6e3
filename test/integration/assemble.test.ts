import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { DKIM_HEADERS, DKIM_OVERSIGNED, loadDkimKey, makeDkimKey } from '../../src/dkim.js';
import type { Paper } from '../../src/domain.js';
import { assembleFromParts } from '../../src/render/assemble-parts.js';
import { Fragments, whyLine } from '../../src/render/fragments.js';
import { MARKERS, personalize } from '../../src/render/personalize.js';
import { HTML_BUDGET, renderDigest, renderEdition } from '../../src/render/render-digest.js';
import { loadTemplates } from '../../src/render/templates.js';
import { bodyHash, canonicalPiece, type DkimSigning, signatureField } from '../../src/send/dkim-sign.js';
import {
  buildMessage,
  buildMessageOffThread,
  type MessageContent,
  type MessageSettings,
  type Recipient,
  unsubscribeUrl,
} from '../../src/send/message.js';
import { outboxTransport } from '../../src/send/outbox.js';
import { parseHfItems } from '../../src/sources/hf-items.js';
import { signFeedToken, signVoteToken } from '../../src/subscribers/tokens.js';
import { unsubscribeMailAddress } from '../../src/subscribers/unsubscribe-mail.js';
import { dkimChecker, signedHeaders } from '../helpers/dkim.js';
import { makePaper } from '../helpers/papers.js';
import { composeMessage, dkimOptions, standardMessage } from '../helpers/standard-message.js';
import { ROOT, tempDir } from '../helpers/test-app.js';

const templates = loadTemplates(path.join(ROOT, 'templates'));
const samples = parseHfItems(JSON.parse(readFileSync(path.join(ROOT, 'samples/daily-papers.json'), 'utf8'))).papers;
const view = { listName: 'Daily Papers', baseUrl: 'https://papers.example.org' };
const DATE = '2026-11-28';

const settings: MessageSettings = {
  from: { name: 'Paperboy', address: 'paperboy@papers.example.org', domain: 'papers.example.org' },
  listId: 'daily-papers.papers.example.org',
  listName: 'Daily Papers',
  baseUrl: 'https://papers.example.org',
  unsubscribeMailto: null,
  bounceDomain: null,
  dkim: null,
  feedbackId: null,
  secret: 'a-test-secret-of-at-least-32-characters!',
};
const full: MessageSettings = {
  ...settings,
  unsubscribeMailto: 'unsubscribe@papers.example.org',
  bounceDomain: 'bounces.papers.example.org',
  feedbackId: 'daily:papers:paperboy',
};

const recipient = (over: Partial<Recipient> = {}): Recipient => ({
  subscriberId: 42,
  digestDate: '2026-11-28',
  email: 'ada@example.com',
  name: null,
  messageId: `<digest.${DATE}.42@papers.example.org>`,
  deliveryId: 1042,
  feedVersion: 3,
  ...over,
});

const temps: (() => void)[] = [];
afterAll(() => {
  for (const cleanup of temps) cleanup();
});

function addresses(a: AddressObject | AddressObject[] | undefined) {
  return [a ?? []].flat().flatMap((o) => o.value);
}

/** A field's value as written, unfolded and with whitespace runs made one space. */
function rawField(m: ParsedMail, name: string): string[] {
  return m.headerLines
    .filter((h) => h.key === name.toLowerCase())
    .map((h) =>
      h.line
        .slice(h.line.indexOf(':') + 1)
        .replace(/\r?\n(?=[ \t])/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    );
}

/** CRLF only; header lines folded within 78 characters where they can be, body lines within 76 (quoted-printable), none starting with a dot. */
function expectWellFormed(raw: Buffer): void {
  const s = raw.toString('utf8');
  expect(s.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const [head = '', ...rest] = s.split('\r\n\r\n');
  for (const line of head.split('\r\n')) {
    expect(line, line).toMatch(/^(?:[A-Za-z-]+:(?: |$)|[ \t]+\S)/);
    expect(line.length, line).toBeLessThanOrEqual(998);
    // Longer than 78 only when one word (a long link) leaves nowhere to fold.
    if (line.length > 78) expect(line.trim(), line).not.toMatch(/\s/);
  }
  for (const line of rest.join('\r\n\r\n').split('\r\n')) {
    expect(line.length, line).toBeLessThanOrEqual(76);
    // Nothing for SMTP to dot-stuff: the bytes go to the socket as they are (qp.ts).
    expect(line.startsWith('.'), line).toBe(false);
  }
}

/** The same message both ways: assembled (fast) and composed by nodemailer (standard), parsed. */
async function both(content: MessageContent, r: Recipient, s: MessageSettings) {
  const fast = buildMessage(content, r, s);
  const raw = fast.raw as Buffer;
  const std = await standardMessage(content, r, s);
  return { fast, raw, std, a: await simpleParser(raw), b: await simpleParser(std.message) };
}

async function expectEquivalent(content: MessageContent, r: Recipient, s: MessageSettings): Promise<ParsedMail> {
  const { fast, raw, std, a, b } = await both(content, r, s);
  expectWellFormed(raw);
  expect(fast.envelope).toEqual(std.envelope);
  expect(a.from).toEqual(b.from);
  expect(a.to).toEqual(b.to);
  expect(a.subject).toBe(b.subject);
  expect(a.messageId).toBe(b.messageId);
  // Each path stamps the time it builds the message.
  expect(Math.abs((a.date?.getTime() ?? 0) - (b.date?.getTime() ?? 0))).toBeLessThanOrEqual(2000);
  expect(a.headers.get('list')).toEqual(b.headers.get('list'));
  for (const name of [
    'List-Unsubscribe',
    'List-Unsubscribe-Post',
    'List-Id',
    'List-Archive',
    'List-Help',
    'List-Subscribe',
    'Precedence',
    'Feedback-ID',
    'MIME-Version',
  ]) {
    expect(rawField(a, name), name).toEqual(rawField(b, name));
  }
  expect(a.text).toBe(b.text);
  expect(a.html).toBe(b.html);
  expect(a.attachments).toEqual([]);
  // And both are the content with this recipient's values filled in.
  const values = {
    email: r.email,
    unsubscribeUrl: rawField(a, 'List-Unsubscribe')[0]?.match(/<(https:[^>]+)>/)?.[1] ?? '',
    preferencesUrl: /https:\/\/papers\.example\.org\/p\/[\w.-]+/.exec(a.text ?? '')?.[0] ?? '',
    voteToken: signVoteToken(settings.secret, r.subscriberId, r.digestDate),
    feedUrl:
      r.feedVersion === undefined
        ? 'https://papers.example.org/feed/preview'
        : `https://papers.example.org/feed/${signFeedToken(settings.secret, r.subscriberId, r.feedVersion)}`,
  };
  expect(a.text).toBe(personalize(content.text, values, 'text'));
  expect(a.html).toBe(personalize(content.html, values, 'html'));
  return a;
}

/**
 * A reader's own edition as the send loop gets it: assembled from the day's parts, with its pieces
 * (shared by every reader of the day), as editionReader returns it.
 */
async function ownEdition(order: number[]): Promise<MessageContent> {
  const pool = samples.slice(0, 12);
  const fragments = Fragments.of(templates, pool, DATE, view);
  if (!fragments) throw new Error('the default templates render papers through partials');
  const papers = order.map((i) => pool[i] as Paper);
  const why = papers.map((p, i) => whyLine(i % 2 ? null : `Because you liked “${p.title.slice(0, 30)}”`, []));
  const plan = await fragments.plan({ papers, why, topics: [], weekly: false, anyway: false }, HTML_BUDGET);
  if (!plan) throw new Error('fits');
  const out = assembleFromParts(plan.skeleton, plan.cards, why, plan.recipe);
  return { subject: plan.recipe.subject, html: out.html, text: out.text, pieces: out.pieces };
}

/** A paper with a one-line abstract and the links a card shows. */
const paper = (i: number, over: Partial<Paper> = {}): Paper =>
  makePaper({ id: `2511.${20000 + i}`, upvotes: 50 - i, githubRepo: `https://github.com/example/r${i}`, ...over });

describe('the assembled message (fast path) against nodemailer composing it (standard path)', () => {
  it('plain: the sample digest to a reader without a name', async () => {
    const content = await renderDigest(templates, samples.slice(0, 10), DATE, view);
    const a = await expectEquivalent(content, recipient(), settings);
    expect(addresses(a.to)).toEqual([{ address: 'ada@example.com', name: '' }]);
    expect(rawField(a, 'List-Unsubscribe')).toEqual([
      expect.stringMatching(/^<https:\/\/papers\.example\.org\/u\/16\.[\w-]{43}>$/),
    ]);
    expect(rawField(a, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe=One-Click']);
    expect(rawField(a, 'List-Id')).toEqual(['Daily Papers <daily-papers.papers.example.org>']);
  });

  it('personalized: a topics edition, readers with non-ASCII names, VERP, mailto and Feedback-ID', async () => {
    const papers = samples.slice(0, 6);
    const content = await renderEdition(templates, papers, DATE, view, {
      topics: ['RL', 'cs.LG'],
      matched: papers.map((_, i) => (i % 2 ? ['RL'] : ['cs.LG'])),
    });
    const zoe = recipient({ name: 'Zoë Ångström-Łukasiewicz', email: 'zoe@example.net', subscriberId: 7 });
    const pat = recipient({ name: `O'Brien, "Pat"`, email: 'pat@example.org', subscriberId: 8, deliveryId: 2 });
    const a = await expectEquivalent(content, zoe, full);
    expect(addresses(a.to)).toEqual([{ address: 'zoe@example.net', name: 'Zoë Ångström-Łukasiewicz' }]);
    const p = await expectEquivalent(content, pat, full);
    expect(addresses(p.to)).toEqual([{ address: 'pat@example.org', name: `O'Brien, "Pat"` }]);
    // With a bounce domain the mailto is the reader's own, not the fixed PAPERBOY_UNSUBSCRIBE_MAILTO.
    expect(rawField(a, 'List-Unsubscribe')).toEqual([
      `<${unsubscribeUrl(full, 7)}>, <mailto:${unsubscribeMailAddress(full.secret, 7, 'bounces.papers.example.org')}?subject=unsubscribe>`,
    ]);
    expect(rawField(a, 'Feedback-ID')).toEqual(['daily:papers:paperboy']);
    // One template per content: the same boundary for both readers, each with their own values.
    const m1 = buildMessage(content, zoe, full);
    const m2 = buildMessage(content, pat, full);
    const boundary = (raw: unknown) => /boundary="([^"]+)"/.exec(String(raw))?.[1];
    expect(boundary(m1.raw)).toBe(boundary(m2.raw));
    expect(m1.envelope).toEqual({
      from: expect.stringMatching(/^bounce\+[\w.-]+@bounces\.papers\.example\.org$/),
      to: ['zoe@example.net'],
    });
    expect(m2.envelope?.from).not.toBe(m1.envelope?.from);
  });

  it('non-ASCII: CJK, Arabic and emoji titles and abstracts, a non-ASCII subject, sender and readers', async () => {
    const papers = [
      paper(1, {
        title: '大規模言語モデルの推論 🤖 Reasoning in LLMs',
        summary: '我们研究了多语言模型。😀 结果很好。',
      }),
      paper(2, { title: 'التعلم العميق للغة العربية', summary: 'نقدم نموذجًا جديدًا للغة العربية. ✨' }),
      paper(3, { title: 'Émile & Zoë: «naïve» façade — Ünïcödé 𝔘𝔫𝔦', authors: ['José Ñúñez', '李小龍'] }),
    ];
    const content = await renderDigest(templates, papers, DATE, view);
    expect(content.subject).toMatch(/[^ -~]/);
    const s = { ...full, from: { ...full.from, name: 'Paperboy · Ünï 📰' } };
    const li = recipient({ name: '李小龍 🐉', email: 'li@bücher.example' });
    const a = await expectEquivalent(content, li, s);
    expect(a.subject).toBe(content.subject);
    // On the wire in punycode (mailparser shows it in Unicode again).
    expect(buildMessage(content, li, s).envelope?.to).toEqual(['li@xn--bcher-kva.example']);
    expect(rawField(a, 'To')[0]).toMatch(/ <li@xn--bcher-kva\.example>$/);
    expect(addresses(a.to)).toEqual([{ address: 'li@bücher.example', name: '李小龍 🐉' }]);
    expect(addresses(a.from)).toEqual([{ address: 'paperboy@papers.example.org', name: 'Paperboy · Ünï 📰' }]);
    // An internationalized local part keeps the domain in Unicode (SMTPUTF8), as nodemailer does.
    const u = await expectEquivalent(content, recipient({ email: 'josé@exämple.com' }), s);
    expect(addresses(u.to)).toEqual([{ address: 'josé@exämple.com', name: '' }]);
  });

  it('heavy: 40 papers with long abstracts', async () => {
    const long = 'Deep networks learn representations of data. '.repeat(60);
    const papers = Array.from({ length: 40 }, (_, i) =>
      paper(i + 1, {
        title: `A long-titled paper on the topic of number ${i + 1} `.repeat(3),
        summary: long,
        authors: ['Ada Lovelace', 'Alan Turing'],
      }),
    );
    const content = await renderDigest(templates, papers, DATE, view);
    expect(Buffer.byteLength(content.html)).toBeGreaterThan(60_000);
    await expectEquivalent(content, recipient({ name: 'Ada Lovelace' }), full);
  });

  it('is stricter than the standard path where nodemailer lets a forged encoded-word or a broken List-Id through', async () => {
    const content = {
      subject: 'Daily Papers - =?UTF-8?Q?Forged?= words',
      text: 'Hello =pb:email=\n',
      html: '<p>Hello =pb:email=</p>',
    };
    const s = { ...settings, listName: 'Papiers du jour · 日報' };
    const { a, b } = await both(content, recipient({ name: 'Mallory =?UTF-8?Q?Admin?=' }), s);
    // Taken literally here; nodemailer leaves `=?…?=` as it is, so readers decode it.
    expect(a.subject).toBe(content.subject);
    expect(b.subject).toBe('Daily Papers - Forged words');
    expect(addresses(a.to)).toEqual([{ address: 'ada@example.com', name: 'Mallory =?UTF-8?Q?Admin?=' }]);
    // nodemailer encodes the whole List-Id value, the <id> included, so no list id can be read from it.
    expect((a.headers.get('list') as { id: { id: string } }).id.id).toBe('daily-papers.papers.example.org');
    expect((b.headers.get('list') as { id: { id?: string } }).id.id).toBeUndefined();
    expect(a.text).toBe(b.text);
    expect(a.html).toBe(b.html);
  });

  it('keeps data out of the headers and markers forged by paper data out of the values', async () => {
    const papers = [paper(1, { title: 'Evil\r\nBcc: victim@example.com =pb:email= <b>x</b>' })];
    const content = await renderDigest(templates, papers, DATE, view);
    const { raw, a } = await both(content, recipient({ name: 'Eve\r\nBcc: x@example.com' }), settings);
    const head = raw.toString('utf8').split('\r\n\r\n')[0] ?? '';
    expect(head).not.toMatch(/^Bcc:/im);
    expect(a.bcc).toBeUndefined();
    expect(a.html).not.toContain('=pb:');
    expect(a.text).not.toContain('ada@example.com <b>');
  });
});

describe("a reader's own edition, encoded piece by piece", () => {
  it('is the same message as nodemailer composes from the whole text, for two readers of shared pieces', async () => {
    const first = await ownEdition([3, 0, 7, 1]);
    const second = await ownEdition([7, 2, 3]);
    expect(first.pieces?.html.length).toBeGreaterThan(10);
    await expectEquivalent(first, recipient({ name: 'Zoë Ångström' }), full);
    await expectEquivalent(second, recipient({ subscriberId: 43, email: 'bob@example.com', deliveryId: 1043 }), full);
    // The first reader's again, after the pieces were encoded for both: unchanged.
    await expectEquivalent(first, recipient({ name: 'Zoë Ångström' }), full);
  });
});

describe('DKIM and the transports on the fast path', () => {
  const key = makeDkimKey('papers.example.org', 'pb1');
  const verify = dkimChecker(key);
  const dkim = loadDkimKey('papers.example.org', 'pb1', key.privateKey, ROOT);
  if (typeof dkim === 'string') throw new Error(dkim);
  const signed: MessageSettings = { ...full, dkim };
  const signing: DkimSigning = {
    domain: dkim.domain,
    selector: dkim.selector,
    key: createPrivateKey(dkim.privateKey),
    headers: DKIM_HEADERS,
    oversigned: DKIM_OVERSIGNED,
  };

  async function expectSigned(message: Buffer): Promise<void> {
    const result = await verify(message);
    const [sig] = result.results;
    expect(sig?.status.result).toBe('pass');
    expect(sig?.signingDomain).toBe('papers.example.org');
    // Each field it has once, then once more (oversigned); the ones it lacks once.
    expect(signedHeaders(message).join(':')).toBe(
      'from:from:to:to:cc:reply-to:sender:subject:subject:date:date:message-id:message-id:in-reply-to:references:' +
        'list-id:list-id:list-unsubscribe:list-unsubscribe:list-unsubscribe-post:list-unsubscribe-post:' +
        'list-archive:list-archive:list-help:list-help:list-subscribe:list-subscribe:' +
        'feedback-id:feedback-id:mime-version:mime-version:content-type:content-type',
    );
  }

  /**
   * paperboy's signature on an assembled message verifies, and for an h= without oversigning (which
   * nodemailer cannot write) paperboy's signer writes the field nodemailer writes for the same
   * unsigned bytes, byte for byte: the same canonicalization, tags and folding.
   */
  async function expectNodemailerSignature(content: MessageContent, r: Recipient): Promise<Buffer> {
    // The send loop's path, the RSA step in libuv's pool, writes the same field.
    await expectNodemailerField(await buildMessageOffThread(content, r, signed));
    return expectNodemailerField(buildMessage(content, r, signed));
  }

  async function expectNodemailerField(m: ReturnType<typeof buildMessage>): Promise<Buffer> {
    expect(m.dkim).toBeUndefined();
    const raw = m.raw as Buffer;
    // The first field, folded lines included.
    const end = (/\r\n(?![ \t])/.exec(raw.toString('latin1'))?.index ?? -2) + 2;
    const ours = raw.subarray(0, end).toString('latin1');
    expect(ours).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=papers\.example\.org;/);
    const unsigned = raw.subarray(end);
    const theirs = await composeMessage({ ...m, raw: unsigned, ...dkimOptions(signed) });
    const theirEnd = (/\r\n(?![ \t])/.exec(theirs.message.toString('latin1'))?.index ?? -2) + 2;
    const headEnd = unsigned.indexOf('\r\n\r\n') + 4;
    const bh = bodyHash([canonicalPiece(unsigned.subarray(headEnd))]);
    const once = { ...signing, oversigned: new Set<string>() };
    expect(signatureField(unsigned.subarray(0, headEnd), bh, once)).toBe(
      theirs.message.subarray(0, theirEnd).toString('latin1'),
    );
    // The body hash of the pieces is the whole body's.
    expect(ours.replace(/\r\n /g, '')).toContain(`bh=${bh};`);
    // The rest as it was (nodemailer ends a message that does not end with a line break with one).
    expect(theirs.message.subarray(theirEnd, theirEnd + unsigned.length)).toEqual(unsigned);
    await expectSigned(raw);
    return raw;
  }

  it("signs a reader's own edition, encoded piece by piece, as nodemailer would: it verifies", async () => {
    await expectNodemailerSignature(await ownEdition([5, 1, 9]), recipient());
    await expectNodemailerSignature(await ownEdition([1, 5]), recipient({ subscriberId: 44, deliveryId: 1044 }));
  });

  it('paperboy signs the assembled message: it verifies, h= covering every list header, the field nodemailer writes', async () => {
    const content = await renderDigest(templates, samples.slice(0, 10), DATE, view);
    const raw = await expectNodemailerSignature(content, recipient({ name: 'Zoë Ångström' }));
    // Sent through nodemailer as it is: the signed bytes, nothing added or signed again.
    const m = buildMessage(content, recipient({ name: 'Zoë Ångström' }), signed);
    expect((await composeMessage(m)).message).toEqual(m.raw);
    // A changed body breaks the signature: the check is real.
    const tampered = Buffer.from(raw);
    const at = tampered.indexOf('e', tampered.indexOf('\r\n\r\n') + 200);
    tampered[at] = 'E'.charCodeAt(0);
    const bad = (await verify(tampered)).results[0]?.status;
    expect(bad?.result).toBe('neutral');
    expect(bad?.comment).toBe('body hash did not verify');
  });

  it('signs bodies whose canonical form differs from the bytes: runs of spaces and tabs, trailing blanks, empty lines', async () => {
    const text = [
      'Title  with   runs\tof\t\tblanks',
      '',
      '',
      `   indented line with a link ${MARKERS.unsubscribeUrl}   `,
      `\t${MARKERS.email}\t`,
      'trailing blanks    ',
      '',
      '',
      '',
    ].join('\n');
    const html = `<p>  a  b  </p>\n\n\n<a href="${MARKERS.preferencesUrl}">prefs</a>  \t\n\n\n`;
    for (const content of [
      { subject: 'Blanks', text, html },
      { subject: 'Text only', text, html: '' },
      { subject: 'Ends inside a line', text: `${MARKERS.email} no final line break   `, html: '' },
      { subject: 'Empty', text: '', html: '' },
    ]) {
      await expectNodemailerSignature(content, recipient({ email: 'ada.lovelace@example.com' }));
    }
  });

  it('the outbox writes the raw message as it is, named after its Message-ID, signed when DKIM is set', async () => {
    const { dir, cleanup } = tempDir();
    temps.push(cleanup);
    const content = await renderDigest(templates, samples.slice(0, 3), DATE, view);
    const plain = buildMessage(content, recipient(), settings);
    const outbox = outboxTransport(dir);
    await outbox.send(plain);
    const file = path.join(dir, `digest.${DATE}.42@papers.example.org.eml`);
    expect(readFileSync(file)).toEqual(plain.raw);

    await outbox.send(buildMessage(content, recipient(), signed));
    expect(readdirSync(dir)).toEqual([`digest.${DATE}.42@papers.example.org.eml`]);
    await expectSigned(readFileSync(file));
  });
});
