import { setTimeout as sleep } from 'node:timers/promises';
import { PaperboyError } from '../errors.js';

export interface FetchPolicy {
  timeoutMs: number;
  retries: number;
  /** First backoff delay; doubled after each failed attempt. */
  retryDelayMs: number;
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * GETs JSON with a timeout per attempt and retries with exponential backoff on network errors,
 * timeouts, 429 and 5xx. Any other HTTP error fails at once.
 */
export async function fetchJson(url: string, what: string, policy: FetchPolicy): Promise<unknown> {
  let last = '';
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    if (attempt > 0) await sleep(policy.retryDelayMs * 2 ** (attempt - 1));
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { accept: 'application/json', 'user-agent': 'paperboy (+https://github.com/paperboy)' },
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      last =
        e.name === 'TimeoutError'
          ? `no answer within ${policy.timeoutMs} ms`
          : (e.cause?.code ?? e.cause?.message ?? e.message);
      continue;
    }
    if (res.ok) {
      const body = await res.text();
      try {
        return JSON.parse(body) as unknown;
      } catch {
        throw new PaperboyError('ESOURCE', `${what} answered something that is not JSON (${body.slice(0, 60)}…)`, {
          hint: 'check the source URL',
        });
      }
    }
    last = `HTTP ${res.status}`;
    await res.body?.cancel();
    if (!RETRYABLE.has(res.status)) break;
  }
  throw new PaperboyError('ESOURCE', `${what} could not be read: ${last}`, {
    hint: 'check the network and the source URL, or set PAPERBOY_SOURCE=file:PATH',
  });
}
