import type { Kysely, Migration } from 'kysely';

export default function migration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('papers')
        .addColumn('categories', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
  };
}
