import type { Kysely, Migration } from 'kysely';
import type { DialectTypes } from './dialect.js';

export default function migration(t: DialectTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // "More like this" / "Less like this" from the emails: one row per reader and paper (the
      // latest vote wins), what each reader's model is fitted on. Gone with the reader.
      await db.schema
        .createTable('votes')
        .addColumn('subscriber_id', t.int64, (c) => c.notNull().references('subscribers.id').onDelete('cascade'))
        .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id'))
        .addColumn('vote', 'integer', (c) => c.notNull())
        .addColumn('digest_date', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('votes_pk', ['subscriber_id', 'paper_id'])
        .execute();
      // The admin's per-paper counts of a digest.
      await db.schema.createIndex('votes_date').on('votes').columns(['digest_date', 'paper_id']).execute();
    },
  };
}
