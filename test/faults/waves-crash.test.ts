import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { killAfter } from '../helpers/processes.js';
import { closeWaveLists, papersOf, waveList } from '../helpers/waves.js';

afterEach(closeWaveLists);

const DATE = '2026-12-02';
const kiri = Array.from({ length: 30 }, (_, i) => `kiri${String(i).padStart(2, '0')}@example.com`);
const pago = Array.from({ length: 30 }, (_, i) => `pago${String(i).padStart(2, '0')}@example.com`);

describe('a send killed in the middle of a wave', () => {
  it('is finished by the next send of that wave: no reader missed, none twice but the ones in flight (same Message-ID), the next wave untouched', async () => {
    // Quick for the first 10 messages, slow after: the kill lands mid-wave.
    const l = await waveList(
      [
        ...kiri.map((email) => ({ email, timezone: 'Pacific/Kiritimati', hour: 7 })),
        ...pago.map((email) => ({ email, timezone: 'Pacific/Pago_Pago', hour: 7 })),
      ],
      { PAPERBOY_SCHEDULE: '0 7 * * *', PAPERBOY_SMTP_POOL: '3', PAPERBOY_LOG_LEVEL: 'error' },
      () => null,
      { delayMs: (n) => (n <= 10 ? 20 : 150) },
    );
    const sink = l.sink;
    const env = { ...l.env, PAPERBOY_SOURCE: papersOf(l.dir, DATE) };
    // The release: nobody's hour yet.
    const release = await runCli(['send', '--date', DATE, '--at', '2026-12-02T07:00Z'], env, l.dir);
    expect(release.stdout).toContain('60 waiting for their wave (next at 2026-12-02 17:00 UTC)');
    expect(sink.received).toHaveLength(0);

    // Kiritimati's wave, killed after ten messages.
    const first = spawnCli(['send', '--date', DATE, '--at', '2026-12-02T17:00Z'], env, l.dir);
    const s = sink;
    await killAfter(first, () => s.received.length, 10);
    expect(sink.received.length).toBeLessThan(30);

    // Run again a few minutes into the wave: the rest of Kiritimati, none of Pago Pago.
    const again = await runCli(['send', '--date', DATE, '--at', '2026-12-02T17:05Z'], env, l.dir);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: '' });
    expect(again.stdout).toContain('30 waiting for their wave (next at 2026-12-02 18:00 UTC)');
    const idsOf = (emails: readonly string[]) =>
      new Map(emails.map((e) => [e, s.to(e).map((m) => m.mail.messageId ?? '')]));
    const kiriIds = idsOf(kiri);
    expect([...kiriIds.values()].filter((ids) => ids.length === 0)).toEqual([]);
    const twice = [...kiriIds.values()].filter((ids) => ids.length > 1);
    // At most the messages in flight when the process died (the pool) went again, each with its Message-ID.
    expect(twice.length).toBeLessThanOrEqual(3);
    for (const ids of twice) expect(new Set(ids).size).toBe(1);
    expect(pago.filter((e) => s.to(e).length > 0)).toEqual([]);

    // Pago Pago's wave: each of them once.
    const next = await runCli(['send', '--date', DATE, '--at', '2026-12-02T18:00Z'], env, l.dir);
    expect(next.code).toBe(0);
    expect(next.stdout).not.toContain('waiting');
    expect(pago.map((e) => s.to(e).length)).toEqual(pago.map(() => 1));
    expect(new Set(sink.received.map((r) => r.rcptTo[0])).size).toBe(60);
    expect(next.stdout).toContain('for the date: 60 sent, 0 failed, 0 skipped, 0 pending');
  }, 120_000);
});
