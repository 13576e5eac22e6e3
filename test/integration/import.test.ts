import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSubscriberByEmail, setSubscriberStatus, upsertSubscriber } from '../../src/store/subscribers.js';
import { importSubscribersCsv } from '../../src/subscribers/import-csv.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('subscribers import', () => {
  it('reads BOM, CRLF, quoted commas and columns in any order; exact counts; a suppressed address stays suppressed', async () => {
    app = await startTestApp();
    const { subscriber: left } = await upsertSubscriber(app.ctx.db, {
      email: 'left@example.com',
      name: null,
      status: 'active',
    });
    await setSubscriberStatus(app.ctx.db, left.id, 'unsubscribed', 'unsubscribed');
    const file = path.join(app.dir, 'list.csv');
    writeFileSync(
      file,
      [
        '\uFEFFstatus,topics,email,name',
        'active,"sparse attention, cs.LG",ada@example.com,"Lovelace, Ada"',
        ',,bob@example.com,Bob',
        ',,not an address,Nobody',
        ',,ADA@example.com,Case Differs In Local Part',
        'active,,ada@Example.COM,"Lovelace, Ada (again)"',
        ',,left@example.com,Came Back?',
        'maybe,,carol@example.com,Carol',
        'unsubscribed,,dave@example.com,Dave',
        ',,"multi',
        'line@example.com",Broken',
        '',
      ].join('\r\n'),
    );
    const first = await importSubscribersCsv(app.ctx.db, file);
    expect(first).toEqual({
      rows: 9,
      added: 4,
      updated: 0,
      unchanged: 0,
      merged: 1,
      suppressed: 1,
      resubscribed: 0,
      badCount: 3,
      bad: [
        { line: 4, reason: '"not an address" is not an email address' },
        { line: 8, reason: 'status "maybe" is not one of active, pending, unsubscribed, bounced' },
        { line: 10, reason: '"multi\\r\\nline@example.com" is not an email address' },
      ],
    });
    const ada = await findSubscriberByEmail(app.ctx.db, 'ada@example.com');
    expect(ada).toMatchObject({ name: 'Lovelace, Ada (again)', topics: [], status: 'active' });
    expect(await findSubscriberByEmail(app.ctx.db, 'ADA@example.com')).toMatchObject({ status: 'active' });
    expect(await findSubscriberByEmail(app.ctx.db, 'left@example.com')).toMatchObject({
      status: 'unsubscribed',
      name: null,
    });
    expect(await findSubscriberByEmail(app.ctx.db, 'dave@example.com')).toMatchObject({
      status: 'unsubscribed',
      statusReason: 'imported',
    });

    // A second import of the same file: nothing is added or changed; every row is counted once.
    const again = await importSubscribersCsv(app.ctx.db, file);
    const { bad: _, ...counts } = again;
    expect(counts).toEqual({
      rows: 9,
      added: 0,
      updated: 0,
      unchanged: 4,
      merged: 1,
      suppressed: 1,
      resubscribed: 0,
      badCount: 3,
    });
    for (const r of [first, again]) {
      expect(r.added + r.updated + r.unchanged + r.merged + r.suppressed + r.resubscribed + r.badCount).toBe(r.rows);
    }

    // Only an explicit --resubscribe brings the suppressed address back.
    const back = await importSubscribersCsv(app.ctx.db, file, { resubscribe: true });
    expect(back.resubscribed).toBe(1);
    expect(await findSubscriberByEmail(app.ctx.db, 'left@example.com')).toMatchObject({ status: 'active' });
  });

  it('refuses a file without an email column, naming the columns it found', async () => {
    app = await startTestApp();
    const file = path.join(app.dir, 'bad.csv');
    writeFileSync(file, 'mail,name\na@example.com,A\n');
    await expect(importSubscribersCsv(app.ctx.db, file)).rejects.toMatchObject({
      code: 'ECSV',
      message: `${file} line 1: the header has no "email" column (found: mail, name)`,
    });
  });
});
