/**
 * Imported first, before anything else loads (bin/paperboy.js; the benchmarks do the same): asks
 * V8 to favour a small heap over a fast-growing one for the rest of the process.
 *
 * A send allocates a few kilobytes per message, all short-lived, but some of it outlives a young
 * collection and moves to the old generation, which V8 then lets grow to up to four times what is
 * live before collecting it: a 1,000,000-reader send peaked anywhere from 173 to 226 MB from one run
 * to the next with 24 MB live. With `--optimize-for-size`, which V8 reads at each collection, the
 * old generation grows by at most 1.3 times, collections give freed pages back, and the young
 * generation stops growing at 8 MB instead of 32: about 153 MB, at the same throughput
 * (bench/RESULTS.md). Set after the modules have loaded, it saves less: loading them has already
 * grown the young generation.
 *
 * Set from inside on purpose: Node keeps V8's flags writable for this (`--no-freeze-flags-after-init`).
 * The flag is refused in NODE_OPTIONS, and given to node at start it also caps the young generation
 * at 2 MB, which makes a send much slower.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--optimize-for-size');
