#!/usr/bin/env node
// The limit of the send-process benchmark: a whole process that sends one pre-built message N times
// through nodemailer's pool, P connections, no limit on messages per connection, 2×P in flight.
//   node bench/baseline-send.mjs SMTP_URL N P MESSAGE_FILE
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';

const [url, n, pool, file] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const raw = readFileSync(file);
const t = nodemailer.createTransport({ url, pool: true, maxConnections: pool, maxMessages: Number.POSITIVE_INFINITY });
let next = 0;
const worker = async () => {
  while (next < n) {
    const i = next++;
    await t.sendMail({ envelope: { from: 'bounce@papers.example.org', to: `reader${i}@bench.example` }, raw });
  }
};
await Promise.all(Array.from({ length: pool * 2 }, worker));
t.close();
