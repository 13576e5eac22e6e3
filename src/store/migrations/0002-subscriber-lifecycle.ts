import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './dialect.js';

export default function migration(t: DialectTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Topics, pauses, why an address left, and bounce bookkeeping (issue: subscribers).
      await db.schema
        .alterTable('subscribers')
        .addColumn('topics', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema.alterTable('subscribers').addColumn('paused_until', 'text').execute();
      await db.schema.alterTable('subscribers').addColumn('status_reason', 'text').execute();
      await db.schema.alterTable('subscribers').addColumn('confirmed_at', 'text').execute();
      await db.schema.alterTable('subscribers').addColumn('confirm_sent_at', 'text').execute();
      await db.schema
        .alterTable('subscribers')
        .addColumn('soft_bounces', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('bounces')
        .addColumn('id', t.int64, t.id)
        .addColumn('subscriber_id', t.int64, (c) => c.notNull().references('subscribers.id').onDelete('cascade'))
        .addColumn('delivery_id', t.int64, (c) => c.references('deliveries.id').onDelete('set null'))
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('hard', 'soft')`))
        .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('smtp', 'dsn')`))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('detail', 'text')
        // One report applied once: a DSN's Message-ID + recipient; NULL for bounces seen at send time.
        .addColumn('dedupe_key', 'text', (c) => c.unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('bounces_subscriber').on('bounces').columns(['subscriber_id', 'id']).execute();
      await db.schema.createIndex('subscribers_created').on('subscribers').columns(['status', 'created_at']).execute();
    },
  };
}
