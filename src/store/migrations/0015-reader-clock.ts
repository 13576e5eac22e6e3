import type { Kysely, Migration } from 'kysely';

export default function migration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Each reader's own clock: an IANA zone and a delivery hour (null: PAPERBOY_TIMEZONE and the
      // schedule's hour), "feed only" (no email; the private feed keeps coming) and the version of
      // their feed token (a new token is the next version; older ones stop working).
      await db.schema.alterTable('subscribers').addColumn('timezone', 'text').execute();
      await db.schema.alterTable('subscribers').addColumn('hour', 'integer').execute();
      await db.schema
        .alterTable('subscribers')
        .addColumn('feed_only', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('subscribers')
        .addColumn('feed_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // The instant a delivery's wave is due (ISO, UTC), fixed when it is planned; null for rows
      // planned before waves (due at once). Claims read `not_before`, which planning sets to it.
      await db.schema.alterTable('deliveries').addColumn('due_at', 'text').execute();
    },
  };
}
