import type { Kysely, Migration } from 'kysely';

export default function migration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // The zone and hour a sign-up asked for wait beside its confirmation, like its name and
      // topics, and are applied only when the link is confirmed (null: keep the stored ones).
      await db.schema.alterTable('subscribers').addColumn('requested_timezone', 'text').execute();
      await db.schema.alterTable('subscribers').addColumn('requested_hour', 'integer').execute();
    },
  };
}
