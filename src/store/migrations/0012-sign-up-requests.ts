import { type Kysely, type Migration, sql } from 'kysely';

export default function migration(): Migration {
  return {
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
  };
}
