import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { PaperboyError } from '../errors.js';
import { xmlChars } from '../text.js';

/**
 * Strict validation; no web fonts: MJML would otherwise add a Google Fonts <link> and @import
 * because the font stack names Roboto — a request to a third party on every open, and bytes
 * toward Gmail's clipping limit. The system font stack needs none.
 */
export const MJML_OPTIONS = { validationLevel: 'strict', keepComments: false, fonts: {} } as const;

interface MjmlIssue {
  line: number;
  message: string;
}

type Reply = { id: number; html: string; warnings: MjmlIssue[] } | { id: number; failed: string; issues: MjmlIssue[] };
/** The thread's first message: MJML is loaded. */
type Ready = { ready: true };

// MJML runs in a thread of its own, started on the first compile (or ahead of it: warmMjmlThread)
// and ended when idle: loaded, it holds about 55 MB (its code, the html-minifier and css libraries,
// their heap), which a send of a million messages would otherwise carry from the first message to
// the last for a few compiles.
// The thread's code is plain JavaScript (the same under tsx and in dist/).
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const mjml2html = require(workerData.mjml);
parentPort.postMessage({ ready: true });
const brief = (e) => ({ line: Number(e.line) || 0, message: String(e.message) });
parentPort.on('message', async ({ id, source, options }) => {
  try {
    const out = await mjml2html(source, options);
    parentPort.postMessage({ id, html: out.html, warnings: (out.errors || []).map(brief) });
  } catch (err) {
    parentPort.postMessage({ id, failed: String(err && err.message), issues: ((err && err.errors) || []).map(brief) });
  }
});
`;
const IDLE_MS = 250;
/** A thread started ahead (warmMjmlThread) that no compile has asked for yet ends this long after loading. */
const WARM_IDLE_MS = 2000;

interface Running {
  worker: Worker;
  /** Compiles sent to this thread and not answered yet. */
  waiting: Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>;
  /** Ended as soon as nothing is waiting (stopMjmlThread was called while it compiled). */
  stopWhenIdle: boolean;
  idle: NodeJS.Timeout | null;
}

let current: Running | null = null;
let nextId = 0;

function end(t: Running) {
  if (t.idle) clearTimeout(t.idle);
  t.idle = null;
  if (current === t) current = null;
  void t.worker.terminate();
}

function start(): Running {
  const worker = new Worker(THREAD, {
    eval: true,
    workerData: { mjml: createRequire(import.meta.url).resolve('mjml') },
    resourceLimits: { maxYoungGenerationSizeMb: 6 },
  });
  worker.unref();
  const t: Running = { worker, waiting: new Map(), stopWhenIdle: false, idle: null };
  worker.on('message', (r: Reply | Ready) => {
    if ('ready' in r) {
      if (t.waiting.size === 0 && !t.idle) {
        t.idle = setTimeout(() => end(t), WARM_IDLE_MS);
        t.idle.unref();
      }
      return;
    }
    const p = t.waiting.get(r.id);
    t.waiting.delete(r.id);
    p?.resolve(r);
    if (t.waiting.size > 0) return;
    if (t.stopWhenIdle) end(t);
    else {
      t.idle = setTimeout(() => end(t), IDLE_MS);
      t.idle.unref();
    }
  });
  const fail = (err: Error) => {
    if (current === t) current = null;
    for (const p of t.waiting.values()) p.reject(err);
    t.waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the MJML thread stopped (exit code ${code})`)));
  return t;
}

/**
 * Starts the MJML thread now, if none runs, so that loading MJML (about half a second) overlaps
 * the caller's start-up instead of delaying its first compile. Unused, it ends 2 s after loading.
 */
export function warmMjmlThread(): void {
  current ??= start();
}

/**
 * Ends the MJML thread (a send calls this once its editions are rendered): now, or when the
 * compiles it is running are done; the next compile starts a new one.
 */
export function stopMjmlThread(): void {
  const t = current;
  if (!t) return;
  current = null;
  if (t.waiting.size === 0) end(t);
  else t.stopWhenIdle = true;
}

/**
 * Compiles MJML to HTML; the warnings MJML noted on valid input. Invalid input (strict
 * validation) throws an ETEMPLATE error naming `label` (the template) and the MJML line.
 */
export async function compileMjml(
  source: string,
  label: string,
  hint: string,
): Promise<{ html: string; warnings: string[] }> {
  current ??= start();
  const t = current;
  if (t.idle) clearTimeout(t.idle);
  t.idle = null;
  const id = nextId++;
  const reply = await new Promise<Reply>((resolve, reject) => {
    t.waiting.set(id, { resolve, reject });
    // MJML parses its input as XML: a character XML forbids (U+FFFF in a title) is dropped first.
    t.worker.postMessage({ id, source: xmlChars(source), options: MJML_OPTIONS });
  });
  if ('html' in reply) return { html: reply.html, warnings: reply.warnings.map((e) => `line ${e.line}: ${e.message}`) };
  const first = reply.issues[0];
  const detail = first ? `line ${first.line} of the generated MJML: ${first.message}` : reply.failed;
  const more = reply.issues.length > 1 ? ` (and ${reply.issues.length - 1} more)` : '';
  throw new PaperboyError('ETEMPLATE', `${label}: MJML ${detail}${more}`, { hint });
}
