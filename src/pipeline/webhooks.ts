import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import {
  claimDueWebhooks,
  type DueWebhook,
  fanOutEvents,
  settleWebhook,
  type WebhookOutcome,
} from '../store/events.js';
import { signWebhook } from '../webhook-signature.js';

/**
 * Seconds before each try again of a webhook that was not answered with a 2xx, as the Standard
 * Webhooks specification suggests (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h): eight tries over
 * about a day and a half, then the delivery is failed (shown on the admin's webhooks page).
 */
export const WEBHOOK_RETRY_SECONDS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

export interface WebhookSettings {
  urls: readonly string[];
  key: Buffer;
}

export interface WebhookOptions {
  /** How often the outbox is looked at (default 5 s). */
  intervalMs?: number;
  /** How long a receiver may take to answer (default 10 s). */
  timeoutMs?: number;
  retrySeconds?: readonly number[];
  now?: () => Date;
}

export interface WebhookDispatcher {
  /** Looks at the outbox now (after an event was recorded). */
  poke(): void;
  /** Resolves after the next pass that found nothing left due. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** What a try came to, given the receiver's answer (or the error that stood in for it). */
export function webhookOutcome(
  attempts: number,
  answer: { status: number } | { error: string },
  now: Date,
  retrySeconds: readonly number[] = WEBHOOK_RETRY_SECONDS,
): WebhookOutcome {
  if ('status' in answer && answer.status >= 200 && answer.status < 300)
    return { kind: 'delivered', status: answer.status };
  const status = 'status' in answer ? answer.status : null;
  const error = 'status' in answer ? `answered ${answer.status}` : answer.error;
  const wait = retrySeconds[attempts - 1];
  if (wait === undefined) return { kind: 'failed', status, error };
  return { kind: 'retry', status, error, nextAt: new Date(now.getTime() + wait * 1000) };
}

async function post(
  w: DueWebhook,
  key: Buffer,
  now: Date,
  timeoutMs: number,
): Promise<{ status: number } | { error: string }> {
  const body = JSON.stringify({ type: w.type, timestamp: w.createdAt, data: JSON.parse(w.data) as unknown });
  const ts = Math.floor(now.getTime() / 1000);
  try {
    const res = await fetch(w.url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'paperboy-webhooks',
        'webhook-id': w.uid,
        'webhook-timestamp': String(ts),
        'webhook-signature': signWebhook(key, w.uid, ts, body),
      },
    });
    await res.body?.cancel();
    return { status: res.status };
  } catch (err) {
    const e = err as Error;
    return { error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : errorMessage(e.cause ?? e) };
  }
}

/**
 * Sends the events of the store's outbox to every webhook URL: each until it is answered with a
 * 2xx, tried again with backoff, across restarts (the deliveries are rows of the store; a try
 * under way when the process died is made again, with the same webhook-id).
 */
export function startWebhooks(
  db: Db,
  log: Logger,
  settings: WebhookSettings,
  o: WebhookOptions = {},
): WebhookDispatcher {
  const interval = o.intervalMs ?? 5000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const now = o.now ?? (() => new Date());
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let again = false;
  let idleWaiters: (() => void)[] = [];

  const pass = async (): Promise<boolean> => {
    await fanOutEvents(db, settings.urls, now());
    const due = await claimDueWebhooks(db, now(), timeoutMs + 30_000);
    await Promise.all(
      due.map(async (w) => {
        const answer = await post(w, settings.key, now(), timeoutMs);
        const outcome = webhookOutcome(w.attempts, answer, now(), o.retrySeconds);
        await settleWebhook(db, w.id, outcome);
        const fields = { event: `webhook.${outcome.kind}`, url: w.url, type: w.type, id: w.uid, attempts: w.attempts };
        if (outcome.kind === 'delivered') log.info(fields, `webhook ${w.type} delivered to ${w.url}`);
        else
          log.warn(
            { ...fields, err: outcome.error },
            outcome.kind === 'failed'
              ? `webhook ${w.type} to ${w.url} failed after ${w.attempts} tries: ${outcome.error}`
              : `webhook ${w.type} to ${w.url} not delivered (${outcome.error}); next try at ${outcome.nextAt.toISOString()}`,
          );
      }),
    );
    return due.length > 0;
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = () => {
    timer = null;
    running = running.then(async () => {
      if (stopped) return;
      again = false;
      let busy = false;
      try {
        busy = await pass();
      } catch (err) {
        log.warn({ event: 'webhook.pass.failed', err: errorMessage(err) }, `webhooks: ${errorMessage(err)}`);
      }
      if (!busy && !again) {
        for (const w of idleWaiters.splice(0)) w();
      }
      schedule(busy || again ? 0 : interval);
    });
  };
  schedule(0);
  return {
    poke: () => {
      again = true;
      schedule(0);
    },
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        schedule(0);
      }),
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      for (const w of idleWaiters.splice(0)) w();
      idleWaiters = [];
    },
  };
}
