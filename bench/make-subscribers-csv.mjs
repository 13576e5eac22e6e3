#!/usr/bin/env node
// Writes a subscriber CSV of N rows (default 1,000,000) for measuring `paperboy subscribers import`:
//   node bench/make-subscribers-csv.mjs 1000000 > /tmp/subscribers.csv
//   /usr/bin/time -v node bin/paperboy.js subscribers import /tmp/subscribers.csv
// Every 1000th row is a bad address and every 500th repeats an earlier address, as real lists do.
const n = Number(process.argv[2] ?? 1_000_000);
const out = process.stdout;
let buf = 'email,name,topics\n';
for (let i = 1; i <= n; i++) {
  const email =
    i % 1000 === 0 ? `broken-${i}` : i % 500 === 0 ? `reader${i - 250}@example.com` : `reader${i}@example.com`;
  buf += `${email},"Reader ${i}, Esq.",${i % 3 === 0 ? '"RL, cs.LG"' : ''}\n`;
  if (buf.length > 1 << 16) {
    if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
    buf = '';
  }
}
out.write(buf);
