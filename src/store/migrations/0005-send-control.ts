import type { Kysely, Migration } from 'kysely';

export default function migration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // What an admin asked of a digest's send: run (default), pause or cancel.
      await db.schema
        .alterTable('digests')
        .addColumn('control', 'text', (c) => c.notNull().defaultTo('run'))
        .execute();
    },
  };
}
