import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContext } from '../../src/pipeline/context.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

// Item 13 of issue 17: bytes that are not UTF-8 make bad rows with their line number, never U+FFFD addresses.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('subscribers import of a file that is not all UTF-8', () => {
  it('reports each row with invalid bytes by line and column, imports the good rows, stores no U+FFFD', async () => {
    const { dir, cleanup } = tempDir('paperboy-import-utf8-');
    cleanups.push(cleanup);
    const file = path.join(dir, 'list.csv');
    const latin1Name = Buffer.from('ok2@example.com,Jos\xe9 Garc\xeda\n', 'latin1');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('email,name\nok1@example.com,Zoë Ünal\n', 'utf8'),
        // An address with two stray bytes (as a CP-1252 export gives), then a Latin-1 name.
        Buffer.from([0xff, 0xfe]),
        Buffer.from('u2@example.com,Mallory\n', 'utf8'),
        latin1Name,
        // A truncated multi-byte sequence inside a quoted field that spans two lines.
        Buffer.from('ok3@example.com,"two\nlines \xe2\x82"\n', 'latin1'),
        Buffer.from('ok4@example.com,"Renée, 日本"\n', 'utf8'),
      ]),
    );
    const env = testEnv(dir);
    const r = await runCli(['subscribers', 'import', file], env, dir);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${file} line 3: the email column is not valid UTF-8 (save the file as UTF-8)`,
      `${file} line 4: the name column is not valid UTF-8 (save the file as UTF-8)`,
      `${file} line 5: the name column is not valid UTF-8 (save the file as UTF-8)`,
    ]);
    expect(r.stdout.replace(/ in \d+\.\d s /, ' in … s ')).toBe(
      `imported ${file}: 5 rows in … s · 2 added, 0 updated, 0 unchanged, 0 repeated in the file, 0 left suppressed, 0 resubscribed, 3 bad rows skipped\n`,
    );

    const ctx = await createContext(loadConfig(env, dir), pino({ level: 'silent' }));
    try {
      const rows = await ctx.db.selectFrom('subscribers').select(['email', 'name']).orderBy('email').execute();
      expect(rows).toEqual([
        { email: 'ok1@example.com', name: 'Zoë Ünal' },
        { email: 'ok4@example.com', name: 'Renée, 日本' },
      ]);
    } finally {
      await ctx.close();
    }
  });
});
