import { describe, expect, it } from 'vitest';
import { PaperboyError } from '../../src/errors.js';
import {
  checkHour,
  checkTimezone,
  formClock,
  hourOption,
  readerClock,
  timezoneOption,
  ZONES,
} from '../../src/subscribers/reader-clock.js';

const HELP =
  'use an IANA name such as Europe/Berlin (see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)';
const list = { timezone: 'UTC', hour: 7, minute: 0 };

describe('a reader’s time zone as typed', () => {
  it('takes an IANA name in any case and stores the name Intl gives back; empty is the list’s default', () => {
    expect(checkTimezone('europe/berlin')).toEqual({ ok: true, value: 'Europe/Berlin' });
    expect(checkTimezone(' Asia/Tokyo ')).toEqual({ ok: true, value: 'Asia/Tokyo' });
    expect(checkTimezone('utc')).toEqual({ ok: true, value: 'UTC' });
    expect(checkTimezone('Etc/GMT-2')).toEqual({ ok: true, value: 'Etc/GMT-2' });
    expect(checkTimezone('Pacific/Kiritimati')).toEqual({ ok: true, value: 'Pacific/Kiritimati' });
    expect(checkTimezone('')).toEqual({ ok: true, value: null });
    expect(checkTimezone('   ')).toEqual({ ok: true, value: null });
  });

  it('refuses an unknown name and a UTC offset, naming the value and the fix', () => {
    expect(checkTimezone('Mars/Olympus')).toEqual({ ok: false, problem: `"Mars/Olympus" is not a time zone: ${HELP}` });
    for (const offset of ['UTC+2', '+02:00', 'GMT-5', '-0300', 'utc −3']) {
      expect(checkTimezone(offset)).toEqual({
        ok: false,
        problem: `${JSON.stringify(offset)} is a UTC offset, not a time zone (it follows no daylight saving): ${HELP}`,
      });
    }
    expect(checkTimezone(`Nowhere/${'x'.repeat(80)}`)).toEqual({
      ok: false,
      problem: `"Nowhere/${'x'.repeat(52)}…" is not a time zone: ${HELP}`,
    });
  });

  it('offers UTC first, then every zone Intl knows', () => {
    expect(ZONES[0]).toBe('UTC');
    expect(ZONES.length).toBe(Intl.supportedValuesOf('timeZone').length + 1);
    expect(ZONES).toContain('Europe/Berlin');
    expect(ZONES).toContain('Pacific/Pago_Pago');
    expect(new Set(ZONES).size).toBe(ZONES.length);
  });
});

describe('a reader’s delivery hour as typed', () => {
  it('takes 0–23 as 7, 07 or 07:00; empty is the schedule’s hour', () => {
    expect(['0', '7', '07', '07:00', '23', '23:00', ''].map(checkHour)).toEqual([
      { ok: true, value: 0 },
      { ok: true, value: 7 },
      { ok: true, value: 7 },
      { ok: true, value: 7 },
      { ok: true, value: 23 },
      { ok: true, value: 23 },
      { ok: true, value: null },
    ]);
  });

  it('refuses anything else, naming the value and the fix', () => {
    for (const bad of ['24', '-1', '7.5', '07:30', 'seven', '123']) {
      expect(checkHour(bad)).toEqual({
        ok: false,
        problem: `${JSON.stringify(bad)} is not an hour: use a whole hour from 0 to 23 (7 for 07:00)`,
      });
    }
  });
});

describe('the command line’s --timezone and --hour', () => {
  it('give the value, or a usage error naming the option, the value and the fix', () => {
    expect(timezoneOption('america/new_york')).toBe('America/New_York');
    expect(timezoneOption('')).toBeNull();
    expect(hourOption('18')).toBe(18);
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err instanceof PaperboyError ? { code: err.code, message: err.message } : err;
      }
      return 'no error';
    };
    expect(bad(() => timezoneOption('Mars/Olympus'))).toEqual({
      code: 'EUSAGE',
      message: `--timezone: "Mars/Olympus" is not a time zone: ${HELP}`,
    });
    expect(bad(() => hourOption('25'))).toEqual({
      code: 'EUSAGE',
      message: '--hour: "25" is not an hour: use a whole hour from 0 to 23 (7 for 07:00)',
    });
  });
});

describe('the clock a reader follows', () => {
  it('is theirs, or the list’s where they have none, at the schedule’s minute', () => {
    expect(readerClock({ timezone: 'Europe/Berlin', hour: 9 }, { ...list, minute: 30 })).toEqual({
      timezone: 'Europe/Berlin',
      time: '09:30',
      defaultZone: false,
      defaultHour: false,
    });
    expect(readerClock({ timezone: null, hour: null }, list)).toEqual({
      timezone: 'UTC',
      time: '07:00',
      defaultZone: true,
      defaultHour: true,
    });
  });

  it('a web form’s zone or hour equal to the list’s is stored as the default', () => {
    expect(formClock({ timezone: 'UTC', hour: 7 }, list)).toEqual({ timezone: null, hour: null });
    expect(formClock({ timezone: 'Asia/Tokyo', hour: 7 }, list)).toEqual({ timezone: 'Asia/Tokyo', hour: null });
    expect(formClock({ timezone: 'UTC', hour: 0 }, list)).toEqual({ timezone: null, hour: 0 });
  });
});
