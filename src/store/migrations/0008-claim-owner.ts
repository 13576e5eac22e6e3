import type { Kysely, Migration } from 'kysely';

export default function migration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Which process (host/pid) claimed a delivery that is `sending`: a send run again after a
      // crash puts back the dead process's claims at once and leaves live workers' alone.
      await db.schema.alterTable('deliveries').addColumn('claimed_by', 'text').execute();
    },
  };
}
