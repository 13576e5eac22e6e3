import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { deliveryCounts } from '../../src/store/deliveries.js';
import { findDigest } from '../../src/store/digests.js';
import { closeWaveLists, DATE_LINE, type WaveList, waveList } from '../helpers/waves.js';

afterEach(closeWaveLists);

/** The ledger of a date as its readers' rows: status, due_at, not_before; and the digest's status and counts. */
async function ledgerOf(l: WaveList, date: string) {
  const ctx = await createContext(loadConfig(l.env, l.dir), pino({ level: 'silent' }));
  try {
    const digest = await findDigest(ctx.db, date);
    const rows = await ctx.db
      .selectFrom('deliveries')
      .innerJoin('subscribers', 'subscribers.id', 'deliveries.subscriber_id')
      .select(['subscribers.email', 'deliveries.status', 'deliveries.due_at', 'deliveries.not_before'])
      .where('deliveries.digest_id', '=', digest?.id ?? -1)
      .orderBy('subscribers.email')
      .execute();
    return {
      status: digest?.status,
      counts: await deliveryCounts(ctx.db, digest?.id ?? -1),
      rows: Object.fromEntries(rows.map((r) => [r.email, `${r.status} ${r.due_at} ${r.not_before}`])),
    };
  } finally {
    await ctx.close();
  }
}

/** The time a UTC instant reads in `zone`: `2026-12-03 07:00`. */
function localTime(iso: string, zone: string): string {
  const f = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'short' });
  return f.format(new Date(iso));
}

describe('delivery in waves across the date line', () => {
  it('sends each reader the digest of a date once, at their hour at or after the release; feed-only readers get a feed row and no mail', async () => {
    const l = await waveList(
      [...DATE_LINE, { email: 'feed@example.com', timezone: 'Pacific/Kiritimati', hour: 7, feedOnly: true }],
      { PAPERBOY_SCHEDULE: '0 7 * * *' },
    );
    const sink = l.sink;

    const first = await l.sendAt('2026-12-02', '2026-12-02T07:00Z');
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout).toContain(
      '2 waiting for their wave (next at 2026-12-02 17:00 UTC): pending, sent when their hour comes (serve sends them; or: paperboy send --date 2026-12-02 --all-now)\n' +
        '2026-12-02: sent 1, failed 0, skipped 0 · for the date: 1 sent, 0 failed, 0 skipped, 2 pending',
    );
    expect(l.news()).toEqual(['plain@example.com 2026-12-02']);
    expect(await ledgerOf(l, '2026-12-02')).toEqual({
      status: 'sending',
      counts: { pending: 2, sending: 0, sent: 1, failed: 0, skipped: 0, feed: 1 },
      rows: {
        'feed@example.com': 'feed 2026-12-02T17:00:00.000Z 2026-12-02T17:00:00.000Z',
        'kiri@example.com': 'pending 2026-12-02T17:00:00.000Z 2026-12-02T17:00:00.000Z',
        'pago@example.com': 'pending 2026-12-02T18:00:00.000Z 2026-12-02T18:00:00.000Z',
        // Due at the release, planned a moment after it: due_at is the planning time.
        'plain@example.com': expect.stringMatching(/^sent 2026-12-02T07:00:\d\d\.\d{3}Z null$/),
      },
    });
    // Their own day: the digest of 2 Dec reaches Kiritimati at 07:00 on their 3 Dec, Pago Pago at 07:00 on their 2 Dec.
    expect(localTime('2026-12-02T17:00:00.000Z', 'Pacific/Kiritimati')).toBe('2026-12-03 07:00');
    expect(localTime('2026-12-02T18:00:00.000Z', 'Pacific/Pago_Pago')).toBe('2026-12-02 07:00');

    // A minute before the first wave: nothing is due, nothing goes.
    const early = await l.sendAt('2026-12-02', '2026-12-02T16:59Z');
    expect(early.stdout).toContain('2 waiting for their wave (next at 2026-12-02 17:00 UTC)');
    expect(l.news()).toEqual([]);

    await l.sendAt('2026-12-02', '2026-12-02T17:00Z');
    expect(l.news()).toEqual(['kiri@example.com 2026-12-02']);
    const last = await l.sendAt('2026-12-02', '2026-12-02T18:00Z');
    expect(last.stdout).not.toContain('waiting');
    expect(l.news()).toEqual(['pago@example.com 2026-12-02']);
    expect(await ledgerOf(l, '2026-12-02')).toMatchObject({
      status: 'sent',
      counts: { pending: 0, sending: 0, sent: 3, failed: 0, skipped: 0, feed: 1 },
    });

    // The next date: the same readers, once each, in the same order.
    await l.sendAt('2026-12-03', '2026-12-03T07:00Z');
    expect(l.news()).toEqual(['plain@example.com 2026-12-03']);
    await l.sendAt('2026-12-03', '2026-12-03T17:00Z');
    expect(l.news()).toEqual(['kiri@example.com 2026-12-03']);
    await l.sendAt('2026-12-03', '2026-12-03T18:00Z');
    expect(l.news()).toEqual(['pago@example.com 2026-12-03']);
    // Sent again at any later time: nothing twice.
    await l.sendAt('2026-12-02', '2026-12-03T19:00Z');
    await l.sendAt('2026-12-03', '2026-12-03T19:00Z');
    expect(l.news()).toEqual([]);
    expect(sink.to('feed@example.com')).toHaveLength(0);
    expect(sink.received).toHaveLength(6);
  }, 120_000);

  it('plans weekly readers on their local weekday and PAPERBOY_SEND_DAYS in the reader’s own week', async () => {
    const l = await waveList(
      [
        { email: 'kiri-daily@example.com', timezone: 'Pacific/Kiritimati', hour: 7 },
        { email: 'pago-daily@example.com', timezone: 'Pacific/Pago_Pago', hour: 7 },
        // Thursday (4) readers.
        { email: 'kiri-weekly@example.com', timezone: 'Pacific/Kiritimati', hour: 7, weekly: 4 },
        { email: 'pago-weekly@example.com', timezone: 'Pacific/Pago_Pago', hour: 7, weekly: 4 },
      ],
      { PAPERBOY_SCHEDULE: '0 7 * * *', PAPERBOY_SEND_DAYS: 'mon-fri' },
    );
    const sink = l.sink;
    // Wednesday 2 Dec (UTC): due Thursday 3 Dec in Kiritimati, Wednesday 2 Dec in Pago Pago.
    await l.sendAt('2026-12-02', '2026-12-02T18:00Z');
    expect(l.news()).toEqual([
      'kiri-daily@example.com 2026-12-02',
      'kiri-weekly@example.com 2026-12-02',
      'pago-daily@example.com 2026-12-02',
    ]);
    // Thursday 3 Dec: Friday in Kiritimati, Thursday in Pago Pago.
    await l.sendAt('2026-12-03', '2026-12-03T18:00Z');
    expect(l.news()).toEqual([
      'kiri-daily@example.com 2026-12-03',
      'pago-daily@example.com 2026-12-03',
      'pago-weekly@example.com 2026-12-03',
    ]);
    // Friday 4 Dec: Saturday in Kiritimati (not one of mon-fri there), Friday in Pago Pago.
    await l.sendAt('2026-12-04', '2026-12-04T18:00Z');
    expect(l.news()).toEqual(['pago-daily@example.com 2026-12-04']);
    // The weekly readers' editions are weekly (their seven days' pool).
    expect(sink.to('kiri-weekly@example.com')[0]?.mail.subject).toMatch(/week/i);
  }, 120_000);

  it('--all-now sends what waits for its wave at once, keeping the planned due_at; a dry run says who waits', async () => {
    const l = await waveList(DATE_LINE, { PAPERBOY_SCHEDULE: '0 7 * * *' });
    const dry = await l.sendAt('2026-12-02', '2026-12-02T07:00Z', '--dry-run');
    expect(dry.stdout).toContain(
      '2 waiting for their wave (next at 2026-12-02 17:00 UTC): their hour has not come yet\n2026-12-02: dry run, nothing sent · 3 papers · 3 would receive it',
    );
    await l.sendAt('2026-12-02', '2026-12-02T07:00Z');
    expect(l.news()).toEqual(['plain@example.com 2026-12-02']);
    const all = await l.sendAt('2026-12-02', '2026-12-02T07:05Z', '--all-now');
    expect(all.stdout).not.toContain('waiting');
    expect(all.stdout).toContain(
      '2026-12-02: sent 2, failed 0, skipped 0 · for the date: 3 sent, 0 failed, 0 skipped, 0 pending',
    );
    expect(l.news()).toEqual(['kiri@example.com 2026-12-02', 'pago@example.com 2026-12-02']);
    const ledger = await ledgerOf(l, '2026-12-02');
    expect(ledger.status).toBe('sent');
    expect(ledger.rows).toEqual({
      'kiri@example.com': 'sent 2026-12-02T17:00:00.000Z null',
      'pago@example.com': 'sent 2026-12-02T18:00:00.000Z null',
      'plain@example.com': expect.stringMatching(/^sent 2026-12-02T07:00:\d\d\.\d{3}Z null$/),
    });
  }, 120_000);

  it('refuses an --at that is not a time, naming it', async () => {
    const list = await waveList([{ email: 'plain@example.com' }]);
    const sink = list.sink;
    const bad = await list.sendAt('2026-12-02', 'tomorrow 5pm');
    expect({ code: bad.code, stdout: bad.stdout, stderr: bad.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'paperboy: --at: "tomorrow 5pm" is not a time in ISO 8601 with its zone\n' +
        'paperboy: → write it as YYYY-MM-DDTHH:MMZ (UTC) or with an offset, e.g. --at 2026-12-02T17:00Z\n',
    });
    expect(sink.received).toHaveLength(0);
  }, 60_000);
});

/** UTC instants a reader at 07:00 in Berlin, New York and Sydney gets a date's digest, released at 06:00 UTC. */
const DST: Record<string, Record<string, string>> = {
  // New York springs forward on 8 Mar: 07:00 is 12:00 UTC, then 11:00 UTC.
  '2026-03-07': { berlin: '2026-03-07T06:00', ny: '2026-03-07T12:00', sydney: '2026-03-07T20:00' },
  '2026-03-08': { berlin: '2026-03-08T06:00', ny: '2026-03-08T11:00', sydney: '2026-03-08T20:00' },
  // Berlin springs forward on 29 Mar: 07:00 CEST (05:00 UTC) comes before the release, so the
  // digest of the 29th is theirs at 07:00 on the 30th.
  '2026-03-28': { berlin: '2026-03-28T06:00', ny: '2026-03-28T11:00', sydney: '2026-03-28T20:00' },
  '2026-03-29': { berlin: '2026-03-30T05:00', ny: '2026-03-29T11:00', sydney: '2026-03-29T20:00' },
  // Sydney falls back on 5 Apr (southern autumn): 07:00 is 20:00 UTC the day before, then 21:00.
  '2026-04-04': { berlin: '2026-04-05T05:00', ny: '2026-04-04T11:00', sydney: '2026-04-04T21:00' },
  '2026-04-05': { berlin: '2026-04-06T05:00', ny: '2026-04-05T11:00', sydney: '2026-04-05T21:00' },
};

describe('delivery in waves across daylight saving changes', () => {
  it('sends Berlin, New York and Sydney readers at 07:00 their time, before and after each change, once per date', async () => {
    const l = await waveList(
      [
        { email: 'berlin@example.com', timezone: 'Europe/Berlin', hour: 7 },
        { email: 'ny@example.com', timezone: 'America/New_York', hour: 7 },
        { email: 'sydney@example.com', timezone: 'Australia/Sydney', hour: 7 },
      ],
      { PAPERBOY_SCHEDULE: '0 6 * * *' },
    );
    const sink = l.sink;
    const minuteBefore = (t: string) => new Date(Date.parse(`${t}Z`) - 60_000).toISOString().slice(0, 16);
    for (const [date, dues] of Object.entries(DST)) {
      // The release: the digest is built and planned; whoever's hour it is gets it.
      await l.sendAt(date, `${date}T06:00Z`);
      const atRelease = Object.entries(dues).filter(([, t]) => t === `${date}T06:00`);
      expect(l.news(), `${date} at its release`).toEqual(atRelease.map(([who]) => `${who}@example.com ${date}`));
      const later = [...new Set(Object.values(dues))].filter((t) => t !== `${date}T06:00`).sort();
      for (const t of later) {
        await l.sendAt(date, `${minuteBefore(t)}Z`);
        expect(l.news(), `${date} a minute before ${t}`).toEqual([]);
        await l.sendAt(date, `${t}Z`);
        const who = Object.entries(dues).filter(([, d]) => d === t);
        expect(l.news(), `${date} at ${t}`).toEqual(who.map(([w]) => `${w}@example.com ${date}`));
      }
      expect((await ledgerOf(l, date)).status, date).toBe('sent');
    }
    // Each reader: one message per date, every date.
    for (const who of ['berlin', 'ny', 'sydney']) {
      expect(sink.to(`${who}@example.com`).map((m) => /Paper \d of (\S+)/.exec(m.mail.text ?? '')?.[1])).toEqual(
        Object.keys(DST),
      );
    }
  }, 300_000);
});
