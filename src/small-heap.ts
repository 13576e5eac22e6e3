/**
 * Imported first (bin/paperboy.js; the benchmarks do the same): caps how far V8 lets the old
 * generation grow past what is live before it collects, for the rest of the process.
 *
 * A send allocates a few kilobytes per message, all short-lived, but some of it outlives a young
 * collection and moves to the old generation. V8 picks the growth factor from how cheap its
 * collections look, up to four times what is live: with 24 MB live, a 1,000,000-reader send peaked
 * anywhere from 173 to 226 MB from one run to the next. `--heap-growing-percent=30` fixes the factor
 * at 1.3 (V8 reads it at every full collection, so setting it from inside works): 174–175 MB, at
 * 10,000 readers 158–160 MB as before, for about 3 % more time (bench/RESULTS.md).
 *
 * Not `--optimize-for-size`: it also kept the peak down (152–159 MB) but caps the young generation
 * at 8 MB, which made assembling a message 45 % dearer and an unpooled 80 KB allocation per message
 * 3.6 times dearer. The flag is refused in NODE_OPTIONS; Node keeps V8's flags writable for
 * `v8.setFlagsFromString` (`--no-freeze-flags-after-init`).
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--heap-growing-percent=30');
