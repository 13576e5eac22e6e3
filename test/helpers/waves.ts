import { pino } from 'pino';
import { type Env, loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { type CliResult, runCli } from './cli.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';
import { hfItem, sourceFile, tempDir, testEnv } from './test-app.js';

/** A reader of a wave test: their zone and hour (none: the list's), weekly on a weekday, feed only. */
export interface WaveReader {
  email: string;
  timezone?: string;
  hour?: number;
  weekly?: number;
  feedOnly?: boolean;
}

export interface WaveList {
  sink: SmtpSink;
  dir: string;
  env: Env;
  cleanup: () => void;
  /** `paperboy send --date DATE --at AT ARGS` in this process, with the papers of DATE as the source. */
  sendAt(date: string, at: string, ...args: string[]): Promise<CliResult>;
  /** The messages the sink received since the last call: `email date` (the digest's date), sorted. */
  news(): string[];
}

/** Three papers per date, titled after it (`Paper 1 of 2026-12-02`): a message tells its digest's date. */
export function papersOf(dir: string, date: string): string {
  const [y, m, d] = date.split('-');
  const items = [1, 2, 3].map((k) => hfItem(`${y?.slice(2)}${m}.${d}00${k}`, `Paper ${k} of ${date}`, 10 - k));
  return sourceFile(dir, items, `papers-${date}.json`);
}

/** The digest date a message carries, from its first paper's title. */
export function dateOfMail(text: string | undefined): string {
  return /Paper \d of (\d{4}-\d{2}-\d{2})/.exec(text ?? '')?.[1] ?? '?';
}

const open: WaveList[] = [];

/** Closes the lists (their sink, their folder) the test started: for `afterEach`. */
export async function closeWaveLists(): Promise<void> {
  for (const l of open.splice(0)) {
    l.cleanup();
    await l.sink.close();
  }
}

/**
 * A list of `readers` on a SQLite store in a temp folder, with `extra` settings, sending to an SMTP
 * sink of its own (`rcpt` and `sinkOpts` as startSmtpSink takes them); closed by closeWaveLists.
 */
export async function waveList(
  readers: readonly WaveReader[],
  extra: Env = {},
  ...sinkArgs: Parameters<typeof startSmtpSink>
): Promise<WaveList> {
  const sink = await startSmtpSink(...sinkArgs);
  const { dir, cleanup } = tempDir('paperboy-waves-');
  const env: Env = { ...testEnv(dir, { PAPERBOY_SMTP_URL: sink.url, PAPERBOY_TIMEZONE: 'UTC', ...extra }) };
  const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
  for (const r of readers) {
    const { subscriber } = await upsertSubscriber(ctx.db, { email: r.email, name: null, status: 'active' });
    await ctx.db
      .updateTable('subscribers')
      .set({
        timezone: r.timezone ?? null,
        hour: r.hour ?? null,
        feed_only: r.feedOnly ? 1 : 0,
        ...(r.weekly !== undefined ? { frequency: 'weekly', weekday: r.weekly } : {}),
      })
      .where('id', '=', subscriber.id)
      .execute();
  }
  await ctx.close();
  let seen = 0;
  const list: WaveList = {
    sink,
    dir,
    env,
    cleanup,
    sendAt: (date, at, ...args) =>
      runCli(['send', '--date', date, '--at', at, ...args], { ...env, PAPERBOY_SOURCE: papersOf(dir, date) }, dir),
    news() {
      const fresh = sink.received.slice(seen);
      seen = sink.received.length;
      return fresh.map((r) => `${r.rcptTo[0]} ${dateOfMail(r.mail.text)}`).sort();
    },
  };
  open.push(list);
  return list;
}

/** Readers at 07:00 on both sides of the date line, and one on the list's clock. */
export const DATE_LINE: readonly WaveReader[] = [
  { email: 'kiri@example.com', timezone: 'Pacific/Kiritimati', hour: 7 },
  { email: 'pago@example.com', timezone: 'Pacific/Pago_Pago', hour: 7 },
  { email: 'plain@example.com' },
];
