import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { PaperboyError } from '../errors.js';

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

// MJML runs in a thread of its own, started on the first compile and ended when idle: loaded, it
// holds about 55 MB (its code, the html-minifier and css libraries, their heap), which a send of a
// million messages would otherwise carry from the first message to the last for a few compiles.
// The thread's code is plain JavaScript (the same under tsx and in dist/).
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const mjml2html = require(workerData.mjml);
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

let thread: Worker | null = null;
let idle: NodeJS.Timeout | null = null;
let nextId = 0;
const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

function start(): Worker {
  const w = new Worker(THREAD, {
    eval: true,
    workerData: { mjml: createRequire(import.meta.url).resolve('mjml') },
    resourceLimits: { maxYoungGenerationSizeMb: 6 },
  });
  w.unref();
  w.on('message', (r: Reply) => {
    const p = waiting.get(r.id);
    waiting.delete(r.id);
    p?.resolve(r);
    if (waiting.size === 0) scheduleStop(w);
  });
  const fail = (err: Error) => {
    if (thread === w) thread = null;
    for (const p of waiting.values()) p.reject(err);
    waiting.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => {
    if (waiting.size > 0) fail(new Error(`the MJML thread stopped (exit code ${code})`));
    if (thread === w) thread = null;
  });
  return w;
}

function scheduleStop(w: Worker) {
  if (idle) clearTimeout(idle);
  idle = setTimeout(() => {
    idle = null;
    if (thread === w && waiting.size === 0) {
      thread = null;
      void w.terminate();
    }
  }, IDLE_MS);
  idle.unref();
}

/** Ends the MJML thread now (a send calls this once its editions are rendered); the next compile starts it again. */
export async function stopMjmlThread(): Promise<void> {
  if (idle) clearTimeout(idle);
  idle = null;
  const w = thread;
  thread = null;
  if (w) await w.terminate();
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
  if (idle) {
    clearTimeout(idle);
    idle = null;
  }
  thread ??= start();
  const w = thread;
  const id = nextId++;
  const reply = await new Promise<Reply>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    w.postMessage({ id, source, options: MJML_OPTIONS });
  });
  if ('html' in reply) return { html: reply.html, warnings: reply.warnings.map((e) => `line ${e.line}: ${e.message}`) };
  const first = reply.issues[0];
  const detail = first ? `line ${first.line} of the generated MJML: ${first.message}` : reply.failed;
  const more = reply.issues.length > 1 ? ` (and ${reply.issues.length - 1} more)` : '';
  throw new PaperboyError('ETEMPLATE', `${label}: MJML ${detail}${more}`, { hint });
}
