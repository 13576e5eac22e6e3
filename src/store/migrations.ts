import {
  type ColumnDataType,
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  sql,
} from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

/**
 * The column types and keys that differ by dialect; everything else is written once. A generated
 * id is an identity column on PostgreSQL (Kysely's autoIncrement is SQLite and MySQL syntax). Ids,
 * the columns that reference them and millisecond timestamps are 64-bit, as SQLite's integer is
 * (PostgreSQL's integer has 32 bits; a daily million-reader ledger passes 2^31 ids in six years).
 */
function dialectTypes(dialect: Dialect) {
  return {
    id: (c: ColumnDefinitionBuilder) =>
      dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    int64: (dialect === 'postgres' ? 'bigint' : 'integer') as ColumnDataType,
  };
}

/**
 * Versioned migrations, applied in name order and recorded in `kysely_migration`; the same
 * logical schema on both dialects. Never edit a migration that has shipped: add the next one.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  const t = dialectTypes(dialect);
  return {
    '0001-initial': {
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
    },
    '0002-subscriber-lifecycle': {
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
        await db.schema
          .createIndex('subscribers_created')
          .on('subscribers')
          .columns(['status', 'created_at'])
          .execute();
      },
    },
    '0003-paper-categories': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('papers')
          .addColumn('categories', 'text', (c) => c.notNull().defaultTo('[]'))
          .execute();
      },
    },
    '0004-editions': {
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
    },
    '0005-send-control': {
      async up(db: Kysely<unknown>) {
        // What an admin asked of a digest's send: run (default), pause or cancel.
        await db.schema
          .alterTable('digests')
          .addColumn('control', 'text', (c) => c.notNull().defaultTo('run'))
          .execute();
      },
    },
    '0006-rate-buckets': {
      async up(db: Kysely<unknown>) {
        // The send rate limit shared by every worker of a cluster (a token bucket per name).
        await db.schema
          .createTable('rate_buckets')
          .addColumn('name', 'text', (c) => c.primaryKey().notNull())
          .addColumn('tokens', 'double precision', (c) => c.notNull())
          .addColumn('updated_ms', t.int64, (c) => c.notNull())
          .execute();
      },
    },
    '0007-counters': {
      async up(db: Kysely<unknown>) {
        // Named counters shared by a cluster: the number each starting worker takes (its relay).
        await db.schema
          .createTable('counters')
          .addColumn('name', 'text', (c) => c.primaryKey().notNull())
          .addColumn('value', t.int64, (c) => c.notNull())
          .execute();
      },
    },
    '0008-claim-owner': {
      async up(db: Kysely<unknown>) {
        // Which process (host/pid) claimed a delivery that is `sending`: a send run again after a
        // crash puts back the dead process's claims at once and leaves live workers' alone.
        await db.schema.alterTable('deliveries').addColumn('claimed_by', 'text').execute();
      },
    },
    '0009-ledger-indexes': {
      async up(db: Kysely<unknown>) {
        // Each message moves its ledger row from `sending` to `sent`; on SQLite that is a commit of
        // its own, which writes every page it changed. The indexes that held every row by status
        // (two entries moved per message: four pages with the row's) give way to partial ones:
        // rows still to send or in flight, and the few failed or skipped, so a sent message takes
        // one entry out of one index (two pages). Counts stay index-only (deliveryCounts).
        // The conditions are written with `or`: SQLite proves `status = 'pending'` implies them,
        // not an `in` list.
        await db.schema.dropIndex('deliveries_digest_status').execute();
        await sql`create index deliveries_open on deliveries (digest_id, status, id)
          where status = 'pending' or status = 'sending'`.execute(db);
        await sql`create index deliveries_closed on deliveries (digest_id, status, id)
          where status = 'failed' or status = 'skipped'`.execute(db);
        // A reader's deliveries (their history, which papers they already got): by reader alone.
        await db.schema.dropIndex('deliveries_subscriber').execute();
        await db.schema.createIndex('deliveries_subscriber').on('deliveries').column('subscriber_id').execute();
      },
    },
    '0011-deferrals': {
      async up(db: Kysely<unknown>) {
        // A delivery the receiving server deferred (4xx) past a send's retries stays pending: not
        // claimed before `not_before`, and failed only once `deferred_since` is older than the limit.
        await db.schema.alterTable('deliveries').addColumn('not_before', 'text').execute();
        await db.schema.alterTable('deliveries').addColumn('deferred_since', 'text').execute();
      },
    },
    '0012-sign-up-requests': {
      async up(db: Kysely<unknown>) {
        // What an unconfirmed sign-up asked for (name, topics) waits beside its confirmation and is
        // applied only when the link is confirmed; `requested_at` says a confirmation is open at all
        // (cleared on confirming, unsubscribing, removal and bounces, so an old link confirms nothing).
        await db.schema.alterTable('subscribers').addColumn('requested_at', 'text').execute();
        await db.schema.alterTable('subscribers').addColumn('requested_name', 'text').execute();
        await db.schema.alterTable('subscribers').addColumn('requested_topics', 'text').execute();
        // Sign-ups already waiting keep their links working.
        await sql`update subscribers set requested_at = coalesce(confirm_sent_at, created_at)
          where status = 'pending'`.execute(db);
      },
    },
    '0013-votes': {
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
    },
    '0014-edition-parts': {
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
    },
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations() {
      return migrations(dialect);
    },
  };
}
