import { execFile } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's postfix; `.ci/run` installs it when missing. */
export const POSTFIX = '/usr/sbin/postfix';

/** Every reason Postfix cannot run here starts with this: the test fails with it, it never skips. */
const REQUIRED = 'Postfix is required for this test';

export interface PostfixInstance {
  /** `smtp://127.0.0.1:PORT`, for PAPERBOY_SMTP_URL. */
  smtpUrl: string;
  port: number;
  /** The virtual mailbox domain: every address at it is delivered to one Maildir. */
  domain: string;
  /** That Maildir (`virtual_mailbox_maps = static:maildir/`); delivered files land in its `new/`. */
  maildir: string;
  /** The instance's own log (`maillog_file`). */
  log(): string;
  /** The full paths of the files in the Maildir's `new/`. */
  delivered(): string[];
  /**
   * Polls until `count` files are in `new/` and Postfix has logged `count` deliveries, or fails
   * after `ms` with the log's tail.
   */
  waitForDelivery(count: number, ms?: number): Promise<string[]>;
  /** Stops the instance and removes its folder (config, queue, mail). */
  stop(): Promise<void>;
}

/** A free TCP port on loopback: listen on 0, read the port, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function required(why: string, log?: string): Error {
  const more = log?.trim() ? `\n--- postfix log (last lines) ---\n${tail(log)}` : '';
  return new Error(`${REQUIRED}: ${why}${more}`);
}

/** uid and gid of a system user, from /etc/passwd. */
function userIds(name: string): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
}

function mainCf(dir: string, domain: string, owner: { uid: number; gid: number }, relayDenied = false): string {
  return `# A private Postfix instance for one test run (test/helpers/postfix.ts); nothing here touches /etc/postfix.
compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
maillog_file = ${dir}/postfix.log
maillog_file_prefixes = ${dir}
myhostname = mta.paperboy.test
mydomain = paperboy.test
myorigin = $myhostname
mydestination =
alias_maps =
alias_database =
relayhost =
inet_interfaces = loopback-only
inet_protocols = ipv4
${
  relayDenied
    ? // paperboy's loopback client is not trusted: mail to the mailbox domain is taken, mail to
      // anywhere else is refused as it is by a relay that wants a login ("554 5.7.1 … Relay access denied").
      'mynetworks = 192.0.2.0/24\nsmtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\nsmtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination'
    : 'mynetworks = 127.0.0.0/8\nsmtpd_recipient_restrictions = permit_mynetworks, reject'
}
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
virtual_mailbox_domains = ${domain}
virtual_mailbox_base = ${dir}/mail
virtual_mailbox_maps = static:maildir/
virtual_uid_maps = static:${owner.uid}
virtual_gid_maps = static:${owner.gid}
biff = no
`;
}

/** The services a loopback SMTP server delivering to a virtual Maildir needs; chroot `n` everywhere. */
function masterCf(port: number): string {
  return `# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:${port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
virtual   unix  -       n       n       -       -       virtual
postlog   unix-dgram n  -       n       -       1       postlogd
`;
}

/** Resolves once the port answers with an SMTP greeting (220), or rejects after `ms`. */
async function waitForGreeting(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    const greeting = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let data = '';
      const done = (result: string) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(2000, () => done(data || 'timeout'));
      socket.on('data', (chunk) => {
        data += chunk.toString('latin1');
        if (data.includes('\n')) {
          socket.write('QUIT\r\n');
          done(data);
        }
      });
      socket.on('error', (err) => done(err.message));
    });
    if (greeting.startsWith('220 ')) return;
    last = greeting.trim();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`127.0.0.1:${port} gave no SMTP greeting within ${ms} ms (last: ${last})`);
}

async function postfix(configDir: string, command: string): Promise<void> {
  await run(POSTFIX, ['-c', configDir, command], { timeout: 60_000 });
}

/**
 * Starts a private Postfix instance for one test run: its own config directory, queue, data
 * directory and log in a temp folder, smtpd on 127.0.0.1 and a free port, every address at
 * `domain` delivered by virtual(8) into one Maildir. It needs root (Postfix's master runs as root)
 * and does not need, use or disturb a system Postfix (none need be configured or running).
 *
 * When Postfix is missing or cannot start, this throws an error beginning "Postfix is required for
 * this test: …" naming the reason: the test must fail, not skip.
 */
export async function startPostfix(
  opts: {
    domain?: string;
    /** Refuse to relay to any domain but `domain` (554 5.7.1 Relay access denied), as a relay without the login would. */
    relayDenied?: boolean;
  } = {},
): Promise<PostfixInstance> {
  const domain = opts.domain ?? 'readers.test';
  if (!existsSync(POSTFIX)) {
    throw required(
      `${POSTFIX} is not installed (Debian: echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; apt-get install postfix — .ci/run does this)`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw required(
      `a private instance must be started as root (Postfix's master runs as root); uid is ${process.getuid?.()}`,
    );
  }
  const owner = userIds('postfix');
  if (!owner)
    throw required('there is no "postfix" user (the Debian package creates it; is the package half-installed?)');

  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-postfix-'));
  // The postfix user (smtpd, cleanup, virtual) must reach the queue and the mailbox under it.
  chmodSync(dir, 0o755);
  const etc = path.join(dir, 'etc');
  const mail = path.join(dir, 'mail');
  mkdirSync(etc);
  mkdirSync(path.join(dir, 'queue'));
  mkdirSync(path.join(dir, 'data'));
  mkdirSync(mail);
  chownSync(path.join(dir, 'data'), owner.uid, owner.gid);
  chownSync(mail, owner.uid, owner.gid);
  const logFile = path.join(dir, 'postfix.log');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const maildir = path.join(mail, 'maildir');
  const newDir = path.join(maildir, 'new');
  const delivered = () =>
    existsSync(newDir)
      ? readdirSync(newDir)
          .sort()
          .map((f) => path.join(newDir, f))
      : [];

  let started = false;
  const stop = async () => {
    try {
      if (started) await postfix(etc, 'stop');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  let port = 0;
  try {
    port = await freePort();
    writeFileSync(path.join(etc, 'main.cf'), mainCf(dir, domain, owner, opts.relayDenied));
    writeFileSync(path.join(etc, 'master.cf'), masterCf(port));
    // `check` validates the files and creates the queue's subfolders with their owners and modes.
    await postfix(etc, 'check');
    started = true;
    await postfix(etc, 'start');
    await waitForGreeting(port, 20_000);
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    const output = [e.stderr, e.stdout].filter((s) => s?.trim()).join('\n');
    const why = `a private instance in ${dir} (smtpd on 127.0.0.1:${port}) did not start: ${e.message.trim()}${output ? `\n${output.trim()}` : ''}`;
    const text = log();
    await stop().catch(() => {});
    throw required(why, text);
  }

  return {
    smtpUrl: `smtp://127.0.0.1:${port}`,
    port,
    domain,
    maildir,
    log,
    delivered,
    async waitForDelivery(count, ms = 60_000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const files = delivered();
        const logged = (log().match(/ status=sent \(delivered to maildir\)/g) ?? []).length;
        if (files.length >= count && logged >= count) return files;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `Postfix delivered ${delivered().length} of ${count} message(s) to ${newDir} within ${ms} ms\n--- postfix log (last lines) ---\n${tail(log())}`,
      );
    },
    stop,
  };
}
