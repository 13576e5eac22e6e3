import type { BounceRunReport } from '../../src/pipeline/process-bounces.js';

/** A bounce Maildir run's report with nothing in it: tests spread it and name what they expect. */
export const NO_BOUNCE_RUN: BounceRunReport = {
  files: 0,
  applied: 0,
  bounced: 0,
  duplicates: 0,
  ignored: 0,
  refused: 0,
  unsubscribed: 0,
  unsubscribeUnchanged: 0,
  unsubscribeRefused: 0,
};
