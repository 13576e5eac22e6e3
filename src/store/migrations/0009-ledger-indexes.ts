import { type Kysely, type Migration, sql } from 'kysely';

export default function migration(): Migration {
  return {
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
  };
}
