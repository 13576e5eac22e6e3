import type { Kysely, Migration } from 'kysely';
import type { DialectTypes } from './dialect.js';

export default function migration(t: DialectTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // The send rate limit shared by every worker of a cluster (a token bucket per name).
      await db.schema
        .createTable('rate_buckets')
        .addColumn('name', 'text', (c) => c.primaryKey().notNull())
        .addColumn('tokens', 'double precision', (c) => c.notNull())
        .addColumn('updated_ms', t.int64, (c) => c.notNull())
        .execute();
    },
  };
}
