import { type BounceRunReport, emptyBounceRunReport } from '../../src/pipeline/process-bounces.js';

/** A bounce Maildir run's report with nothing in it: tests spread it and name what they expect. */
export const NO_BOUNCE_RUN: BounceRunReport = emptyBounceRunReport();
