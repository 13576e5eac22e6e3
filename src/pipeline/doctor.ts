import { readFile } from 'node:fs/promises';
import { baseUrlPortWarning } from '../config.js';
import { errorMessage, isPaperboyError } from '../errors.js';
import { renderDigest } from '../render/render-digest.js';
import { relaysTransport } from '../send/relays.js';
import { createSource } from '../sources/create-source.js';
import { parseHfItems } from '../sources/hf-items.js';
import { describeStore } from '../store/db.js';
import { countSubscribersByStatus } from '../store/subscribers.js';
import { dateInZone } from '../time-zone.js';
import type { AppContext } from './context.js';
import { dnsLookups } from './dns-lookups.js';
import type { Check } from './doctor-check.js';
import { dnsChecks } from './doctor-dns.js';
import { htmlWireBytes, viewSettings } from './view-settings.js';

/** How long doctor waits for the mail server and the source: it reports, it does not ride out an outage. */
const NETWORK_TIMEOUT_MS = 5_000;

export type { Check } from './doctor-check.js';

async function attempt(name: string, body: () => Promise<Omit<Check, 'name'>>, fix: string): Promise<Check> {
  try {
    return { name, ...(await body()) };
  } catch (err) {
    // The error's own hint is not repeated in the line: the check's fix follows it.
    return { name, status: 'fail', detail: isPaperboyError(err) ? err.message : errorMessage(err), fix };
  }
}

/** Who reaches the admin: behind a proxy every request is loopback, so only a token can tell. */
function adminCheck(config: AppContext['config']): Check {
  if (config.adminToken) {
    return {
      name: 'admin',
      status: 'ok',
      detail: 'PAPERBOY_ADMIN_TOKEN is set: the admin, the API and the outbox need it',
    };
  }
  if (config.trustProxy) {
    return {
      name: 'admin',
      status: 'fail',
      detail: 'PAPERBOY_TRUST_PROXY=1 and no PAPERBOY_ADMIN_TOKEN: the admin, the API and the outbox are closed',
      fix: 'set PAPERBOY_ADMIN_TOKEN (openssl rand -hex 24): behind a proxy every request comes from the proxy, so loopback cannot tell the admin apart',
    };
  }
  return {
    name: 'admin',
    status: 'ok',
    detail: 'no PAPERBOY_ADMIN_TOKEN: the admin answers direct loopback clients only',
  };
}

/** With a bounce domain, bounces and the readers' unsubscribe mails arrive there: are they read? */
function bounceCheck(config: AppContext['config']): Check {
  const d = config.bounceDomain;
  const unused = config.unsubscribeMailto
    ? `; PAPERBOY_UNSUBSCRIBE_MAILTO (${config.unsubscribeMailto}) is not used: each reader has an unsubscribe address of their own`
    : '';
  if (!config.bounceMaildir) {
    return {
      name: 'bounces',
      status: 'warn',
      detail: `nothing reads the bounces (bounce+…@${d}) and unsubscribe mails (unsubscribe+…@${d}): no PAPERBOY_BOUNCE_MAILDIR${unused}`,
      fix: `deliver mail for ${d} into a Maildir and set PAPERBOY_BOUNCE_MAILDIR to it (serve reads it every 5 minutes), or run paperboy bounces process --maildir DIR from cron`,
    };
  }
  return {
    name: 'bounces',
    status: 'ok',
    detail: `bounces and unsubscribe mails to ${d} are read from ${config.bounceMaildir}${unused}`,
  };
}

/**
 * What `paperboy doctor` checks, each with what to do when it fails: the settings, the store, the
 * templates, the mail server, its DNS records, the paper source.
 */
export async function runDoctor(ctx: AppContext, onCheck: (c: Check) => void = () => {}): Promise<Check[]> {
  const { config } = ctx;
  const list: Check[] = [];
  // Each check is reported as soon as it is known: the network checks may take seconds.
  const checks = {
    push(c: Check) {
      list.push(c);
      onCheck(c);
    },
  };
  const portWarning = config.port === 0 ? null : baseUrlPortWarning(config.baseUrl, config.port);
  checks.push(
    portWarning
      ? {
          name: 'settings',
          status: 'warn',
          detail: portWarning.replace(/ \(set .*\)$/, ''),
          fix: `set PAPERBOY_BASE_URL=http://localhost:${config.port}, or leave it unset to follow PAPERBOY_PORT`,
        }
      : {
          name: 'settings',
          status: config.baseUrl.startsWith('https://') ? 'ok' : 'warn',
          detail: `links point to ${config.baseUrl}`,
          ...(config.baseUrl.startsWith('https://')
            ? {}
            : {
                fix: 'set PAPERBOY_BASE_URL to the https:// address readers reach (Gmail and Yahoo want an https unsubscribe link)',
              }),
        },
  );
  const fromDomain = config.from.domain;
  checks.push(
    !config.dkim
      ? {
          name: 'dkim',
          status: 'warn',
          detail: 'messages are not DKIM-signed',
          fix:
            'Gmail and Yahoo require DKIM for bulk mail: paperboy dkim keygen --selector paperboy1 --domain ' +
            fromDomain,
        }
      : config.dkim.domain === fromDomain || fromDomain.endsWith(`.${config.dkim.domain}`)
        ? {
            name: 'dkim',
            status: 'ok',
            detail: `signed as ${config.dkim.selector}._domainkey.${config.dkim.domain} (${config.dkim.bits} bits), aligned with From (${fromDomain})`,
          }
        : {
            name: 'dkim',
            status: 'fail',
            detail: `the DKIM domain ${config.dkim.domain} is not the From domain ${fromDomain}: DMARC alignment fails`,
            fix: 'sign with the From domain (PAPERBOY_DKIM_DOMAIN) or send from an address on the DKIM domain (PAPERBOY_FROM)',
          },
  );
  checks.push(
    config.secret
      ? { name: 'secret', status: 'ok', detail: 'PAPERBOY_SECRET is set' }
      : {
          name: 'secret',
          status: 'warn',
          detail: 'using the key generated in the data folder',
          fix: 'set PAPERBOY_SECRET (openssl rand -hex 32) so links survive a lost data folder',
        },
  );
  checks.push(adminCheck(config));
  checks.push(
    await attempt(
      'store',
      async () => {
        const c = await countSubscribersByStatus(ctx.db);
        return {
          status: 'ok',
          detail: `${describeStore(config.database)}: ${c.active} active, ${c.pending} pending, ${c.unsubscribed} unsubscribed, ${c.bounced} bounced`,
        };
      },
      config.database.kind === 'sqlite'
        ? 'check PAPERBOY_DATABASE_URL and that its folder is writable'
        : 'check PAPERBOY_DATABASE_URL and that PostgreSQL answers there',
    ),
  );
  checks.push(
    await attempt(
      'templates',
      async () => {
        const { papers } = parseHfItems(JSON.parse(await readFile(config.samplesPath, 'utf8')));
        const r = await renderDigest(
          ctx.templates,
          papers.slice(0, config.papersPerDigest),
          dateInZone(new Date(), config.timezone),
          viewSettings(config),
        );
        // The size Gmail's clipping limit is about: the bytes on the wire, as the budget counts them.
        const kb = Math.round(htmlWireBytes(r.html) / 1024);
        return {
          status: r.warnings.length ? 'warn' : 'ok',
          detail: `${config.templatesDir} compile (MJML strict); a sample digest is ${kb} KB of HTML on the wire${r.warnings.length ? `; ${r.warnings.join('; ')}` : ''}`,
        };
      },
      'fix the template named in the message',
    ),
  );
  checks.push(
    await attempt(
      'mail',
      async () => {
        // Its own connection with short timeouts: a relay that does not answer is said in seconds.
        const transport = config.smtpUrl
          ? relaysTransport(config.smtpUrls, { pool: 1, timeoutMs: NETWORK_TIMEOUT_MS, name: config.smtpName })
          : ctx.transport;
        try {
          await transport.verify();
        } finally {
          if (transport !== ctx.transport) await transport.close();
        }
        return {
          status: 'ok',
          detail: config.smtpUrl
            ? `${ctx.transport.description} answers EHLO and accepts the login`
            : `no PAPERBOY_SMTP_URL: messages are written to ${config.outboxDir} (nothing leaves this machine)`,
        };
      },
      config.smtpUrl ? 'check PAPERBOY_SMTP_URL: host, port, user and password' : 'make PAPERBOY_OUTBOX_DIR writable',
    ),
  );
  if (config.bounceDomain) checks.push(bounceCheck(config));
  // The records receivers look up: DKIM key, SPF, DMARC, reverse DNS (doctor-dns.ts).
  const dns = await dnsChecks(config, dnsLookups(config.dnsServers, NETWORK_TIMEOUT_MS)).catch((err: unknown) => [
    {
      name: 'dns',
      status: 'warn' as const,
      detail: errorMessage(err),
      fix: 'check the network, or PAPERBOY_DNS_SERVERS',
    },
  ]);
  for (const c of dns) checks.push(c);
  const fallback = !config.smtpUrl && config.sources.every((s) => s.kind !== 'file');
  const sourceCheck = await attempt(
    'source',
    async () => {
      const today = dateInZone(new Date(), config.timezone);
      // One try with a short timeout: doctor says whether the source answers, it does not ride out an outage.
      const source = createSource({ ...config, sourceTimeoutMs: NETWORK_TIMEOUT_MS, sourceRetries: 0 });
      const r = await source.fetchPapers(today);
      const failed = r.failures.map((f) => f.source).join(', ');
      return {
        status: failed ? 'warn' : 'ok',
        detail: `${ctx.source.name} answered ${r.papers.length} papers for ${today}${r.skipped.length ? ` (${r.skipped.length} malformed)` : ''}${failed ? `; failed: ${failed}` : ''}`,
        ...(failed ? { fix: 'check the failing source and the network' } : {}),
      };
    },
    'check the network and PAPERBOY_SOURCE (file:samples/daily-papers.json works offline)',
  );
  if (sourceCheck.status === 'fail' && fallback) {
    sourceCheck.status = 'warn';
    sourceCheck.detail += '; in outbox mode a send uses the sample papers instead';
  }
  checks.push(sourceCheck);
  return list;
}
