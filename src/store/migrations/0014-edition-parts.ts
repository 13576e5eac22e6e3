import type { Kysely, Migration } from 'kysely';
import type { DialectTypes } from './dialect.js';

export default function migration(t: DialectTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Readers with votes each get their own edition: it is stored as its papers (with their why
      // lines) and a recipe, and assembled from the digest's per-paper cards and skeletons, each
      // rendered once, instead of a compiled email per reader.
      await db.schema
        .createTable('edition_parts')
        .addColumn('digest_id', t.int64, (c) => c.notNull().references('digests.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('edition_parts_pk', ['digest_id', 'kind', 'key'])
        .execute();
      await db.schema.alterTable('editions').addColumn('recipe', 'text').execute();
      await db.schema.alterTable('edition_papers').addColumn('why', 'text').execute();
    },
  };
}
