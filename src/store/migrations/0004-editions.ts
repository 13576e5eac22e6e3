import type { Kysely, Migration } from 'kysely';
import type { DialectTypes } from './dialect.js';

export default function migration(t: DialectTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Per-reader selections (issue: papers worth reading): how often, and the editions of a digest.
      await db.schema
        .alterTable('subscribers')
        .addColumn('frequency', 'text', (c) => c.notNull().defaultTo('daily'))
        .execute();
      await db.schema
        .alterTable('subscribers')
        .addColumn('weekday', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .alterTable('subscribers')
        .addColumn('send_anyway', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      // The day's pool of papers (what the sources answered), for daily and weekly selections.
      await db.schema
        .createTable('digest_candidates')
        .addColumn('digest_id', t.int64, (c) => c.notNull().references('digests.id').onDelete('cascade'))
        .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id'))
        .addPrimaryKeyConstraint('digest_candidates_pk', ['digest_id', 'paper_id'])
        .execute();

      await db.schema
        .createTable('editions')
        .addColumn('id', t.int64, t.id)
        .addColumn('digest_id', t.int64, (c) => c.notNull().references('digests.id').onDelete('cascade'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('topics', 'text', (c) => c.notNull())
        .addColumn('frequency', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('editions_digest_key', ['digest_id', 'key'])
        .execute();
      await db.schema
        .createTable('edition_papers')
        .addColumn('edition_id', t.int64, (c) => c.notNull().references('editions.id').onDelete('cascade'))
        .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('matched', 'text', (c) => c.notNull().defaultTo('[]'))
        .addPrimaryKeyConstraint('edition_papers_pk', ['edition_id', 'paper_id'])
        .execute();
      await db.schema.createIndex('edition_papers_paper').on('edition_papers').column('paper_id').execute();
      await db.schema
        .alterTable('deliveries')
        .addColumn('edition_id', t.int64, (c) => c.references('editions.id'))
        .execute();
      await db.schema
        .createIndex('deliveries_subscriber')
        .on('deliveries')
        .columns(['subscriber_id', 'status'])
        .execute();
    },
  };
}
