import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectTypes } from './dialect.js';

export default function migration(t: DialectTypes): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('papers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('authors', 'text', (c) => c.notNull())
        .addColumn('upvotes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('published_at', 'text', (c) => c.notNull())
        .addColumn('github_repo', 'text')
        .addColumn('ai_summary', 'text')
        .addColumn('ai_keywords', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('num_comments', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('thumbnail', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('subscribers')
        .addColumn('id', t.int64, t.id)
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text')
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('pending', 'active', 'unsubscribed', 'bounced')`),
        )
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('subscribers_status_id').on('subscribers').columns(['status', 'id']).execute();

      await db.schema
        .createTable('digests')
        .addColumn('id', t.int64, t.id)
        .addColumn('date', 'text', (c) => c.notNull().unique())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('preheader', 'text', (c) => c.notNull())
        .addColumn('html', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('web_html', 'text', (c) => c.notNull())
        .addColumn('web_text', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ready', 'sending', 'sent')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .addColumn('lock_owner', 'text')
        .addColumn('lock_expires_at', t.int64)
        .execute();

      await db.schema
        .createTable('digest_papers')
        .addColumn('digest_id', t.int64, (c) => c.notNull().references('digests.id').onDelete('cascade'))
        .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('digest_papers_pk', ['digest_id', 'paper_id'])
        .execute();
      await db.schema.createIndex('digest_papers_paper').on('digest_papers').column('paper_id').execute();

      await db.schema
        .createTable('deliveries')
        .addColumn('id', t.int64, t.id)
        .addColumn('digest_id', t.int64, (c) => c.notNull().references('digests.id').onDelete('cascade'))
        .addColumn('subscriber_id', t.int64, (c) => c.notNull().references('subscribers.id'))
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('pending', 'sending', 'sent', 'failed', 'skipped')`),
        )
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .addUniqueConstraint('deliveries_digest_subscriber', ['digest_id', 'subscriber_id'])
        .execute();
      await db.schema
        .createIndex('deliveries_digest_status')
        .on('deliveries')
        .columns(['digest_id', 'status', 'id'])
        .execute();
    },
  };
}
