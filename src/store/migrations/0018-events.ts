import type { Kysely, Migration } from 'kysely';
import type { DialectTypes } from './dialect.js';

export default function migration(t: DialectTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // What happened, written where it happened (a reader confirmed, left, bounced; a digest went
      // out): the outbox the webhooks are sent from, so a restart loses none.
      await db.schema
        .createTable('events')
        .addColumn('id', t.int64, (c) => t.id(c))
        .addColumn('uid', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // One row per event and webhook URL: tried until it is answered with a 2xx, with backoff.
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', t.int64, (c) => t.id(c))
        .addColumn('event_id', t.int64, (c) => c.notNull().references('events.id').onDelete('cascade'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_at', 'text', (c) => c.notNull())
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('webhook_deliveries_event_url', ['event_id', 'url'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_due')
        .on('webhook_deliveries')
        .columns(['status', 'next_at'])
        .execute();
    },
  };
}
