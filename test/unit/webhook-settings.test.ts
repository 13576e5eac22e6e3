import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { webhookOutcome } from '../../src/pipeline/webhooks.js';
import { newWebhookSecret, parseWebhookSecret, signWebhook } from '../../src/webhook-signature.js';

const configError = (env: Record<string, string>) => {
  try {
    loadConfig(env, '/tmp');
    return null;
  } catch (err) {
    return (err as Error).message;
  }
};

describe('webhook settings and signatures', () => {
  it('signs as the Standard Webhooks reference library verifies', () => {
    const secret = newWebhookSecret();
    const key = parseWebhookSecret(secret);
    if (typeof key === 'string') throw new Error(key);
    const ts = Math.floor(Date.now() / 1000);
    const body = '{"type":"digest.sent","data":{"sent":3}}';
    const signature = signWebhook(key, 'msg_1', ts, body);
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': signature };
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'digest.sent', data: { sent: 3 } });
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('says what is wrong with a secret or a URL, naming the variable', () => {
    expect(parseWebhookSecret('s3cret')).toBe(
      'expected whsec_ and base64 (generate one with: echo whsec_$(openssl rand -base64 32))',
    );
    expect(parseWebhookSecret('whsec_c2hvcnQ=')).toBe('expected at least 24 bytes of key after whsec_ (got 5)');
    expect(configError({ PAPERBOY_WEBHOOKS: 'https://hooks.example.org/in' })).toBe(
      "PAPERBOY_WEBHOOK_SECRET: required with PAPERBOY_WEBHOOKS (receivers check each webhook's signature with it); generate one with: echo whsec_$(openssl rand -base64 32)",
    );
    expect(
      configError({
        PAPERBOY_WEBHOOKS: 'https://a.example.org, ftp://b.example.org',
        PAPERBOY_WEBHOOK_SECRET: newWebhookSecret(),
      }),
    ).toBe('PAPERBOY_WEBHOOKS: expected comma-separated http:// or https:// URLs, got "ftp://b.example.org"');
    const c = loadConfig(
      {
        PAPERBOY_WEBHOOKS: 'https://a.example.org/x, https://a.example.org/x',
        PAPERBOY_WEBHOOK_SECRET: newWebhookSecret(),
      },
      '/tmp',
    );
    expect(c.webhooks?.urls).toEqual(['https://a.example.org/x']);
    expect(loadConfig({}, '/tmp').webhooks).toBeNull();
  });

  it('tries again on the schedule the specification suggests, then fails', () => {
    const now = new Date('2026-12-07T10:00:00Z');
    expect(webhookOutcome(1, { status: 204 }, now)).toEqual({ kind: 'delivered', status: 204 });
    expect(webhookOutcome(1, { status: 500 }, now)).toEqual({
      kind: 'retry',
      status: 500,
      error: 'answered 500',
      nextAt: new Date('2026-12-07T10:00:05Z'),
    });
    expect(webhookOutcome(2, { error: 'connect ECONNREFUSED 127.0.0.1:9' }, now)).toEqual({
      kind: 'retry',
      status: null,
      error: 'connect ECONNREFUSED 127.0.0.1:9',
      nextAt: new Date('2026-12-07T10:05:00Z'),
    });
    expect(webhookOutcome(7, { status: 410 }, now)).toMatchObject({
      kind: 'retry',
      nextAt: new Date('2026-12-07T20:00:00Z'),
    });
    expect(webhookOutcome(8, { status: 302 }, now)).toEqual({ kind: 'failed', status: 302, error: 'answered 302' });
  });
});
