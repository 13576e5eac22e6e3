#!/usr/bin/env node
// An SMTP server that accepts every message and throws it away: the far end of the send and scale
// benchmarks, run in its own process so it does not share a core's event loop with the sender.
//   node bench/sink.mjs [delayMs]   → prints {"port":N} on stdout, then counts on SIGUSR2 / exit
import { SMTPServer } from 'smtp-server';

const delayMs = Number(process.argv[2] ?? 0);
let accepted = 0;
let connections = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 0,
  onConnect(_session, cb) {
    connections++;
    cb();
  },
  onData(stream, _session, cb) {
    stream.on('data', () => {});
    stream.on('end', () => {
      accepted++;
      if (delayMs > 0) setTimeout(() => cb(null, 'queued'), delayMs);
      else cb(null, 'queued');
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.server.address().port })}\n`);
});
process.stdin.on('data', () => {
  process.stdout.write(`${JSON.stringify({ accepted, connections })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
