// The per-reader cost of learning, on real papers (bench/data, arXiv metadata, CC0): a pool of
// 100 candidates, readers with 36 votes (24 up over two fields, 12 down). Prints, per reader:
// fitting the model from the votes (budget 1 ms), ranking the pool with it (affinities and the
// picks of selectForReader, budget 50 µs), and assembling the reader's email from the pool's
// per-paper parts (budget 50 µs; the text is joined when first read: by the quoted-printable
// encoder at send time); and, as the baseline measured in the same run, selectForReader
// for a reader without votes (today's ranking), so the ratio shows what learning adds.
// Times are the process's CPU time per reader (its GC threads' included), the median of five passes
// after two warm-up passes, on the built JavaScript. Arguments: [readers = 2000].
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Paper } from '../src/domain.js';
import type * as AssembleParts from '../src/render/assemble-parts.js';
import type * as FragmentsModule from '../src/render/fragments.js';
import type * as MjmlThread from '../src/render/mjml-thread.js';
import type * as RenderDigest from '../src/render/render-digest.js';
import type * as Templates from '../src/render/templates.js';
import type * as Editions from '../src/select/editions.js';
import type * as Personal from '../src/select/personal.js';
import type * as Message from '../src/send/message.js';
import type { MessageContent, MessageSettings } from '../src/send/message.js';
import type { StoredVote } from '../src/store/votes.js';
import { type ArxivRow, arxivPaper, arxivRows, ROOT } from './lib.js';

// The built JavaScript, as `paperboy` runs it (tsx's transform wraps every closure in a naming
// call, which costs this code a third more).
execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { stdio: 'ignore' });
const dist = (m: string) => import(path.join(ROOT, 'dist', m));
const { assembleFromParts } = (await dist('render/assemble-parts.js')) as typeof AssembleParts;
const { Fragments, whyLine } = (await dist('render/fragments.js')) as typeof FragmentsModule;
const { stopMjmlThread } = (await dist('render/mjml-thread.js')) as typeof MjmlThread;
const { HTML_BUDGET } = (await dist('render/render-digest.js')) as typeof RenderDigest;
const { loadTemplates } = (await dist('render/templates.js')) as typeof Templates;
const { selectForReader } = (await dist('select/editions.js')) as typeof Editions;
const { PersonalRanker } = (await dist('select/personal.js')) as typeof Personal;
const { buildMessage } = (await dist('send/message.js')) as typeof Message;

const READERS = Number(process.argv[2] ?? 2000);
let seed = 11;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
type Row = ArxivRow;
const rows = arxivRows();
const paper = (r: Row, day: string): Paper => arxivPaper(r, day, Math.floor(Math.exp(rnd() * 5)), false);
const shuffled = [...rows].sort(() => rnd() - 0.5);
const pool = shuffled.slice(0, 100).map((r) => ({ paper: paper(r, '2026-11-28'), day: '2026-11-28' }));
const rest = shuffled.slice(100);
const archive = (r: Row) => (r.categories[0] ?? '').split('.')[0] ?? '';
const archives = ['astro-ph', 'math', 'cond-mat', 'hep-ph', 'quant-ph'];

/** A reader's 36 votes, newest first: 24 up in two archives, 12 down elsewhere. */
function votesOf(i: number): StoredVote[] {
  const a = archives[i % archives.length] as string;
  const b = archives[(i + 2) % archives.length] as string;
  const pick = (ok: (r: Row) => boolean, n: number) =>
    Array.from({ length: n }, () => {
      let r: Row;
      do r = rest[Math.floor(rnd() * rest.length)] as Row;
      while (!ok(r));
      return r;
    });
  const up = pick((r) => archive(r) === a || archive(r) === b, 24);
  const down = pick((r) => archive(r) !== a && archive(r) !== b, 12);
  return [...up.map((r) => ({ r, vote: 1 as const })), ...down.map((r) => ({ r, vote: -1 as const }))]
    .sort(() => rnd() - 0.5)
    .map((v, k) => ({
      paper: paper(v.r, '2026-11-20'),
      vote: v.vote,
      digestDate: '2026-11-20',
      at: `2026-11-2${k % 8}T09:00:${String(k % 60).padStart(2, '0')}Z`,
    }));
}

const readers = Array.from({ length: READERS }, (_, i) => votesOf(i));
const reader = { topics: [] as string[], frequency: 'daily' as const, sendAnyway: true };
const none: ReadonlySet<string> = new Set();
const perReader = (ns: number) => `${(ns / READERS / 1000).toFixed(1)} µs`;

/** CPU time (user + system) of this process since `from`, in ns: steadier than the clock on a shared box. */
const cpuNs = (from: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(from);
  return (c.user + c.system) * 1000;
};

// The features are fitted on the pool and the store's other papers (planning reads up to 2,000).
const stored = rest.map((r) => paper(r, '2026-11-20'));
const fitC0 = process.cpuUsage();
const ranker = new PersonalRanker(pool, stored);
const featuresMs = cpuNs(fitC0) / 1e6;

/** The median of five measured passes over every reader, after two warm-up passes (the JIT settles late). */
function measure<T>(f: (i: number) => T): { ns: number; out: T[] } {
  let out: T[] = [];
  for (let pass = 0; pass < 2; pass++) for (let i = 0; i < READERS; i++) f(i);
  const times: number[] = [];
  for (let pass = 0; pass < 5; pass++) {
    out = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < READERS; i++) out.push(f(i));
    times.push(cpuNs(c0));
  }
  return { ns: times.sort((a, b) => a - b)[2] as number, out };
}

const baseline = measure(() => selectForReader(reader, pool, none, 10));
const fit = measure((i) => ranker.modelFor(readers[i] as StoredVote[], []));
const models = fit.out;
const rank = measure((i) => {
  const model = models[i];
  if (!model) throw new Error('a reader with votes has a model');
  return selectForReader(reader, pool, none, 10, ranker.personal(model));
});

const templates = loadTemplates(path.join(ROOT, 'templates'));
const fragments = Fragments.of(
  templates,
  pool.map((c) => c.paper),
  '2026-11-28',
  { listName: 'Daily Papers', baseUrl: 'https://papers.example.org' },
);
if (!fragments) throw new Error('the default templates render papers through partials');
const editions = rank.out.map((sel) => ({
  papers: (sel?.papers ?? []).map((s) => s.paper),
  why: (sel?.papers ?? []).map((s) => whyLine(s.because ?? null, s.matched)),
  topics: [],
  weekly: false,
  anyway: false,
}));
// The parts are rendered on first use (MJML, once per date and abstract length a heavy edition
// needs): not part of the per-reader cost, so one untimed pass over every edition first.
const steps = new Map<number, number>();
for (const e of editions) {
  const planned = await fragments.plan(e, HTML_BUDGET);
  const chars = planned?.recipe.abstractChars ?? -1;
  steps.set(chars, (steps.get(chars) ?? 0) + 1);
}
let t0 = process.cpuUsage();
for (const e of editions) await fragments.plan(e, HTML_BUDGET);
const planNs = cpuNs(t0);
t0 = process.cpuUsage();
let bytes = 0;
for (const e of editions) bytes += (await fragments.assemble(e, HTML_BUDGET))?.html.length ?? 0;
const assembleNs = cpuNs(t0);

// The message of each reader (MIME, quoted-printable, no DKIM), from their content as the send loop
// gets it: encoded piece by piece (the day's pieces once), and, as the baseline, the whole text.
const settings: MessageSettings = {
  from: { name: 'Paperboy', address: 'digest@papers.example.org', domain: 'papers.example.org' },
  listId: 'daily-papers.papers.example.org',
  listName: 'Daily Papers',
  baseUrl: 'https://papers.example.org',
  unsubscribeMailto: null,
  bounceDomain: null,
  dkim: null,
  feedbackId: null,
  secret: 'bench-secret-0123456789abcdef0123456789abcdef',
};
const contents: MessageContent[] = [];
for (const e of editions) {
  const plan = await fragments.plan(e, HTML_BUDGET);
  if (!plan) throw new Error('an edition that fits');
  const out = assembleFromParts(plan.skeleton, plan.cards, e.why, plan.recipe);
  contents.push({ subject: plan.recipe.subject, html: out.html, text: out.text, pieces: out.pieces });
}
const messageNs = (withPieces: boolean) => {
  const t = process.cpuUsage();
  contents.forEach((c, i) => {
    const content = withPieces ? c : { subject: c.subject, html: c.html, text: c.text };
    buildMessage(
      content,
      {
        subscriberId: i + 1,
        email: `r${i}@example.com`,
        name: null,
        messageId: `<m${i}@papers.example.org>`,
        digestDate: '2026-11-28',
        deliveryId: null,
      },
      settings,
    );
  });
  return cpuNs(t);
};
messageNs(true);
const wholeNs = messageNs(false);
const piecesNs = messageNs(true);
stopMjmlThread();

console.log(`${READERS} readers, 36 votes each, pool of 100 candidates, 10 picked`);
console.log(
  `  fit the features once per planning run    ${featuresMs.toFixed(0)} ms (${pool.length + stored.length} papers, latent dimensions and neighbours)`,
);
console.log(`  today's ranking (no votes, the baseline)   ${perReader(baseline.ns)} per reader`);
console.log(`  fit the model from the votes               ${perReader(fit.ns)} per reader (budget 1000 µs)`);
console.log(
  `  rank the pool with it                      ${perReader(rank.ns)} per reader (budget 50 µs), ${(rank.ns / baseline.ns).toFixed(1)}× the baseline`,
);
console.log(
  `  plan its edition (parts, size, recipe)     ${perReader(planNs)} per reader (abstracts cut to ${[...steps]
    .sort((a, b) => b[0] - a[0])
    .map(([c, n]) => `${c} characters: ${n}`)
    .join(', ')})`,
);
console.log(
  `  assemble the email from the parts          ${perReader(assembleNs)} per reader (budget 50 µs), ${Math.round(bytes / READERS / 1024)} KB of HTML each`,
);
console.log(
  `  its MIME message, encoded piece by piece   ${perReader(piecesNs)} per reader, ${(wholeNs / piecesNs).toFixed(1)}× faster than encoding the whole text (${perReader(wholeNs)})`,
);
