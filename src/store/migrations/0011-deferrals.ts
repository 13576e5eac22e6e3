import type { Kysely, Migration } from 'kysely';

export default function migration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // A delivery the receiving server deferred (4xx) past a send's retries stays pending: not
      // claimed before `not_before`, and failed only once `deferred_since` is older than the limit.
      await db.schema.alterTable('deliveries').addColumn('not_before', 'text').execute();
      await db.schema.alterTable('deliveries').addColumn('deferred_since', 'text').execute();
    },
  };
}
