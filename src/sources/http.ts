import { setTimeout as sleep } from 'node:timers/promises';
import { PaperboyError } from '../errors.js';

export interface FetchPolicy {
  timeoutMs: number;
  retries: number;
  /** First backoff delay; doubled after each failed attempt. */
  retryDelayMs: number;
  /** Called before every attempt (retries included) and after its answer: a source's rate rule. */
  beforeRequest?: () => Promise<void>;
  afterRequest?: () => void;
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * GETs a text body with a timeout per attempt and retries with exponential backoff on network
 * errors, timeouts, 429 and 5xx. Any other HTTP error fails at once.
 */
export async function fetchText(url: string, what: string, policy: FetchPolicy, accept: string): Promise<string> {
  let last = '';
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    if (attempt > 0) await sleep(policy.retryDelayMs * 2 ** (attempt - 1));
    await policy.beforeRequest?.();
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept, 'user-agent': 'paperboy (research paper digest; +https://github.com/paperboy)' },
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
    } catch (err) {
      policy.afterRequest?.();
      const e = err as Error & { cause?: { code?: string; message?: string } };
      last =
        e.name === 'TimeoutError'
          ? `no answer within ${policy.timeoutMs} ms`
          : (e.cause?.code ?? e.cause?.message ?? e.message);
      continue;
    }
    if (res.ok) {
      try {
        return await res.text();
      } catch (err) {
        last = `the answer broke off: ${(err as Error).message}`;
        continue;
      } finally {
        policy.afterRequest?.();
      }
    }
    last = `HTTP ${res.status}`;
    await res.body?.cancel();
    policy.afterRequest?.();
    if (!RETRYABLE.has(res.status)) break;
  }
  throw new PaperboyError('ESOURCE', `${what} could not be read: ${last}`, {
    hint: 'check the network and the source URL, or set PAPERBOY_SOURCE=file:PATH',
  });
}

/** `fetchText` for a JSON answer. */
export async function fetchJson(url: string, what: string, policy: FetchPolicy): Promise<unknown> {
  const body = await fetchText(url, what, policy, 'application/json');
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new PaperboyError('ESOURCE', `${what} answered something that is not JSON (${body.slice(0, 60)}…)`, {
      hint: 'check the source URL',
    });
  }
}
