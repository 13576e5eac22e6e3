import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, testEnv } from '../helpers/test-app.js';

// `paperboy subscribers add` and `remove` (src/cli/subscribers/) in this test's process: the
// schedule options, what an address already stored answers, and the errors a person can fix.

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('paperboy-cli-subscribers-'));
});
afterEach(() => cleanup());

const shown = async (email: string) => {
  const r = await runCli(['subscribers', 'show', email], testEnv(dir), dir);
  return r.stdout.split('\n').filter((l) => /^(status|frequency|name|topics):/.test(l));
};

describe('paperboy subscribers add and remove', () => {
  it('--weekly and --send-anyway set how often; a pending address is made active; a removed one stays removed', async () => {
    const e = testEnv(dir);
    expect(
      (await runCli(['subscribers', 'add', 'ada@example.com', '--weekly', 'wed', '--send-anyway'], e, dir)).stdout,
    ).toBe('added ada@example.com (active)\n');
    expect(await shown('ada@example.com')).toEqual([
      'name:         ',
      'status:       active',
      'topics:       ',
      'frequency:    weekly, on Wednesday (top papers when nothing matches)',
    ]);

    expect(
      (await runCli(['subscribers', 'add', 'bob@example.com', '--pending', '--weekly', 'fri'], e, dir)).stdout,
    ).toBe('added bob@example.com (pending): confirmation sent\n');
    expect((await shown('bob@example.com')).slice(1, 2)).toEqual(['status:       pending']);
    expect(
      (await runCli(['subscribers', 'add', 'bob@example.com', '--name', 'Bob', '--topics', 'rl'], e, dir)).stdout,
    ).toBe('bob@example.com already subscribed (updated)\n');
    expect(await shown('bob@example.com')).toEqual([
      'name:         Bob',
      'status:       active',
      'topics:       rl',
      'frequency:    weekly, on Friday',
    ]);
    expect((await runCli(['subscribers', 'add', 'bob@example.com'], e, dir)).stdout).toBe(
      'bob@example.com already subscribed\n',
    );

    await runCli(['subscribers', 'remove', 'bob@example.com'], e, dir);
    expect((await runCli(['subscribers', 'add', 'bob@example.com'], e, dir)).stdout).toBe(
      'bob@example.com is unsubscribed: left as it is (they get no digest; `subscribers import --resubscribe` brings it back)\n',
    );
    expect((await shown('bob@example.com')).slice(1, 2)).toEqual(['status:       unsubscribed (removed)']);
  });

  it('refuses a bad day, a bad address and an unknown one, with exit status 1 and the reason', async () => {
    const e = testEnv(dir);
    const badDay = await runCli(['subscribers', 'add', 'cy@example.com', '--weekly', 'mon,tue'], e, dir);
    expect({ code: badDay.code, stderr: badDay.stderr }).toEqual({
      code: 1,
      stderr: 'paperboy: --weekly: "mon,tue" is not one day (use mon … sun)\n',
    });
    const badAddress = await runCli(['subscribers', 'remove', 'nobody'], e, dir);
    expect({ code: badAddress.code, stderr: badAddress.stderr }).toEqual({
      code: 1,
      stderr: 'paperboy: "nobody" is not an email address: it has no @\n',
    });
    const unknown = await runCli(['subscribers', 'remove', 'dee@example.com'], e, dir);
    expect({ code: unknown.code, stderr: unknown.stderr }).toEqual({
      code: 1,
      stderr: 'paperboy: dee@example.com is not a subscriber\n',
    });
    expect((await runCli(['subscribers', 'list'], e, dir)).stdout).toBe('');
  });
});
