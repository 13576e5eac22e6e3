import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SpamScore {
  /** The total, as `X-Spam-Status: … score=` gives it. */
  score: number;
  /** Every rule that fired with a score other than 0, as `NAME (+0.7)`, from the report. */
  rules: string[];
}

/**
 * Scores raw messages with Debian's SpamAssassin (`spamassassin -t -L`: local tests only, no DNS or
 * network), all in one process (its rules are read once: about 2 s of CPU) by giving them as one
 * mbox. Bayes is off: an untrained database scores nothing, and a learning one would make the score
 * depend on the runs before. `dir` holds the mbox and an empty user_prefs (none in $HOME is written).
 */
export async function spamScores(raws: readonly string[], dir: string): Promise<SpamScore[]> {
  const mbox = raws
    .map((raw) => {
      // mbox quoting: a body line starting with "From " would start a new message.
      const lf = raw.replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1');
      return `From paperboy@localhost Mon Dec  7 00:00:00 2026\n${lf.endsWith('\n') ? lf : `${lf}\n`}\n`;
    })
    .join('');
  const prefs = path.join(dir, 'user_prefs');
  writeFileSync(prefs, '');
  const out = await run(
    'spamassassin',
    ['-t', '-L', '--mbox', '-p', prefs, '--cf', 'use_bayes 0', '--cf', 'bayes_auto_learn 0'],
    mbox,
  );
  // Each message comes back after its own mbox "From " line, its report at the end of its body.
  const messages = out.split(/^From paperboy@localhost .*\n/m).slice(1);
  if (messages.length !== raws.length) {
    throw new Error(`spamassassin gave back ${messages.length} messages of ${raws.length}:\n${out.slice(0, 2000)}`);
  }
  return messages.map((m) => {
    const status = /^X-Spam-Status: .*(?:\n[ \t].*)*/m.exec(m)?.[0].replace(/\n[ \t]+/g, ' ') ?? '';
    const score = /score=(-?\d+(?:\.\d+)?)/.exec(status)?.[1];
    if (score === undefined) throw new Error(`no X-Spam-Status score in spamassassin's output:\n${m.slice(0, 2000)}`);
    const rules = [...m.matchAll(/^ {0,2}(-?\d+\.\d+) ([A-Z][A-Z0-9_]+) /gm)]
      .filter((r) => Number(r[1]) !== 0)
      .map((r) => `${r[2]} (${Number(r[1]) > 0 ? '+' : ''}${r[1]})`);
    return { score: Number(score), rules };
  });
}

function run(cmd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) =>
      reject(new Error(`${cmd} could not start (${e.message}): install Debian's spamassassin (.ci/run does)`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${cmd} exited with ${code}: ${Buffer.concat(err).toString('utf8').slice(0, 2000)}`));
    });
    child.stdin.end(input);
  });
}
