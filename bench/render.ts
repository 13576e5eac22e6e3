// `render` benchmark: what one more recipient costs, in µs of CPU, for a 10-paper digest
// (samples/daily-papers.json), measured in one run on three paths:
//   fast      buildMessage: the edition compiled once, each message assembled from parts encoded
//             once plus the recipient's values (src/send/assemble.ts) — what paperboy sends
//   standard  the edition compiled once, nodemailer composing and encoding each message (the
//             previous send path, kept in test/helpers/standard-message.ts)
//   naive     Handlebars + MJML + nodemailer per recipient
// Targets (issue 7): fast ≤ 50 µs per recipient and ≥ 50× faster than naive.
//   node --import tsx bench/render.ts [recipients=20000] [naive=40]
// First, as the `paperboy` command does (bin/paperboy.js): the heap setting.
import '../src/small-heap.js';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadDkimKey, makeDkimKey } from '../src/dkim.js';
import { renderDigest, renderEdition } from '../src/render/render-digest.js';
import { loadTemplates } from '../src/render/templates.js';
import { MessageBuffers } from '../src/send/assemble.js';
import { buildMessage, type MessageContent, type MessageSettings, type Recipient } from '../src/send/message.js';
import { parseHfItems } from '../src/sources/hf-items.js';
import { composeMessage, dkimOptions, standardMessage } from '../test/helpers/standard-message.js';
import { fmt, ROOT } from './lib.js';

const N = Number(process.argv[2] ?? 20_000);
const NAIVE = Number(process.argv[3] ?? 40);
const ROUNDS = 5;
const DATE = '2026-11-28';

const settings: MessageSettings = {
  from: { name: 'Daily Papers', address: 'digest@papers.example.org', domain: 'papers.example.org' },
  listId: 'daily-papers.papers.example.org',
  listName: 'Daily Papers',
  baseUrl: 'https://papers.example.org',
  unsubscribeMailto: 'unsubscribe@papers.example.org',
  bounceDomain: 'bounces.papers.example.org',
  dkim: null,
  feedbackId: 'daily:papers:paperboy',
  secret: 'bench-secret-0123456789abcdef0123456789abcdef',
};

const reader = (i: number): Recipient => ({
  subscriberId: i,
  digestDate: '2026-11-28',
  email: `reader${i}@bench.example`,
  name: `Reader ${i}`,
  messageId: `<digest.${DATE}.${i}@papers.example.org>`,
  deliveryId: i,
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

interface Cost {
  /** CPU µs per call (user + system of this process, GC threads included): the cost. */
  cpu: number;
  /** Wall-clock µs per call: the cost plus whatever else this 2-core machine was running. */
  wall: number;
}

/** Per call of `f` over `n` calls (sync or async): the median of `rounds` rounds after a warm-up. */
async function perCall(n: number, f: (i: number) => unknown, rounds = ROUNDS): Promise<Cost> {
  for (let i = 0; i < Math.min(n, 1000); i++) await f(i);
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const out = f(r * n + i);
      if (out instanceof Promise) await out;
    }
    wall.push(((performance.now() - t0) * 1000) / n);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / n);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

const templates = loadTemplates(path.join(ROOT, 'templates'));
const { papers } = parseHfItems(JSON.parse(readFileSync(path.join(ROOT, 'samples', 'daily-papers.json'), 'utf8')));
const ten = papers.slice(0, 10);
const view = { listName: settings.listName, baseUrl: settings.baseUrl };
const rendered = await renderDigest(templates, ten, DATE, view);
const content: MessageContent = { subject: rendered.subject, html: rendered.html, text: rendered.text };
const size = (buildMessage(content, reader(1), settings).raw as Buffer).length;

let sink = 0;
// As the send loop does: each message assembled into a reused buffer, given back once sent.
const buffers = new MessageBuffers(2);
const fast = await perCall(N, (i) => {
  const raw = buildMessage(content, reader(i), settings, buffers).raw as Buffer;
  sink += raw.length;
  buffers.give(raw);
});
const standard = await perCall(
  Math.max(200, Math.floor(N / 40)),
  async (i) => {
    sink += (await standardMessage(content, reader(i), settings)).message.length;
  },
  3,
);
const naive = await perCall(
  NAIVE,
  async (i) => {
    // What a send without compile-once would do for every reader: render the email, then compose it.
    const email = await renderEdition(templates, ten, DATE, view, {});
    sink += (await standardMessage(email, reader(i), settings)).message.length;
  },
  1,
);
// Informational: DKIM (RSA-2048 per message). Both through nodemailer's raw pass-through, as sent:
// paperboy signing as it assembles (src/send/dkim-sign.ts), and nodemailer signing the assembled
// message as it streams it (what paperboy did before).
const key = makeDkimKey('papers.example.org', 'bench');
const dkim = loadDkimKey('papers.example.org', 'bench', key.privateKey, ROOT);
if (typeof dkim === 'string') throw new Error(dkim);
const signedSettings = { ...settings, dkim };
const signed = await perCall(
  500,
  async (i) => {
    sink += (await composeMessage(buildMessage(content, reader(i), signedSettings))).message.length;
  },
  3,
);
const signedByNodemailer = await perCall(
  500,
  async (i) => {
    const m = { ...buildMessage(content, reader(i), settings), ...dkimOptions(signedSettings) };
    sink += (await composeMessage(m)).message.length;
  },
  3,
);

const ratio = naive.cpu / fast.cpu;
const ok = (pass: boolean) => (pass ? 'met' : 'NOT met');
const row = (label: string, c: Cost, note = '') =>
  console.log(
    `  ${label.padEnd(40)}${fmt(c.cpu, 1).padStart(10)} µs CPU ${fmt(c.wall, 1).padStart(10)} µs wall${note}`,
  );
const [load1] = loadavg();
console.log(
  `render: ${ten.length}-paper digest from samples/daily-papers.json, ${fmt(size / 1024, 1)} KB per message, ` +
    `${fmt(Buffer.byteLength(content.html) / 1024, 1)} KB of HTML; ${cpus().length} cores, load average ${fmt(load1 ?? 0, 2)} at the end`,
);
console.log('  per recipient:');
row('fast (assembled)', fast, `   median of ${ROUNDS} × ${N}`);
row('standard (compiled once, nodemailer)', standard);
row('naive (Handlebars + MJML + nodemailer)', naive, `   ${NAIVE} recipients`);
console.log(
  `  naive ÷ fast: ${fmt(ratio, 0)}× CPU (${fmt(naive.wall / fast.wall, 0)}× wall); ` +
    `standard ÷ fast: ${fmt(standard.cpu / fast.cpu, 0)}× CPU (${fmt(standard.wall / fast.wall, 0)}× wall)`,
);
console.log(
  `  target ≤ 50 µs per recipient: ${ok(fast.cpu <= 50)} (CPU), ${ok(fast.wall <= 50)} (wall); ` +
    `target ≥ 50× faster than naive: ${ok(ratio >= 50)}`,
);
row('for reference, fast + DKIM', signed, '   paperboy signs; not part of the target');
row('  the same, signed by nodemailer', signedByNodemailer, '   how it was signed before');
console.log(`  DKIM: nodemailer ÷ paperboy ${fmt(signedByNodemailer.cpu / signed.cpu, 2)}× CPU per signed message`);
if (sink === 0) console.log('(nothing was built)');
