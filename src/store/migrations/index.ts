import type { Migration, MigrationProvider } from 'kysely';
import m0001 from './0001-initial.js';
import m0002 from './0002-subscriber-lifecycle.js';
import m0003 from './0003-paper-categories.js';
import m0004 from './0004-editions.js';
import m0005 from './0005-send-control.js';
import m0006 from './0006-rate-buckets.js';
import m0007 from './0007-counters.js';
import m0008 from './0008-claim-owner.js';
import m0009 from './0009-ledger-indexes.js';
import m0011 from './0011-deferrals.js';
import m0012 from './0012-sign-up-requests.js';
import m0013 from './0013-votes.js';
import m0014 from './0014-edition-parts.js';
import m0015 from './0015-reader-clock.js';
import m0016 from './0016-requested-clock.js';
import m0018 from './0018-events.js';
import { type Dialect, dialectTypes } from './dialect.js';

export type { Dialect } from './dialect.js';

/**
 * Versioned migrations, one file each, applied in name order and recorded in `kysely_migration`;
 * the same logical schema on both dialects. Never edit a migration that has shipped: add the next
 * file and name it here.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  const t = dialectTypes(dialect);
  return {
    '0001-initial': m0001(t),
    '0002-subscriber-lifecycle': m0002(t),
    '0003-paper-categories': m0003(),
    '0004-editions': m0004(t),
    '0005-send-control': m0005(),
    '0006-rate-buckets': m0006(t),
    '0007-counters': m0007(t),
    '0008-claim-owner': m0008(),
    '0009-ledger-indexes': m0009(),
    '0011-deferrals': m0011(),
    '0012-sign-up-requests': m0012(),
    '0013-votes': m0013(t),
    '0014-edition-parts': m0014(t),
    '0015-reader-clock': m0015(),
    '0016-requested-clock': m0016(),
    '0018-events': m0018(t),
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations() {
      return migrations(dialect);
    },
  };
}
