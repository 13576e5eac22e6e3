import type { Kysely, Migration } from 'kysely';
import type { DialectTypes } from './dialect.js';

export default function migration(t: DialectTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Named counters shared by a cluster: the number each starting worker takes (its relay).
      await db.schema
        .createTable('counters')
        .addColumn('name', 'text', (c) => c.primaryKey().notNull())
        .addColumn('value', t.int64, (c) => c.notNull())
        .execute();
    },
  };
}
