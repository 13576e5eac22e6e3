import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from './dialect.js';

const STATUSES = "('pending', 'sending', 'sent', 'failed', 'skipped', 'feed')";

/**
 * A ledger row of a feed-only reader (issue 22): status `feed`, planned like any other (their
 * selection, their edition, their wave) and never claimed nor sent. The status check of 0001 is
 * widened to it, and its rows get a partial index of their own so the ledger's counts stay
 * index-only (deliveryCounts: sent is what the indexes do not hold).
 */
export default function migration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'postgres') {
        await sql`alter table deliveries drop constraint if exists deliveries_status_check`.execute(db);
        await sql
          .raw(`alter table deliveries add constraint deliveries_status_check check (status in ${STATUSES})`)
          .execute(db);
      } else {
        await widenSqliteCheck(db);
      }
      await sql`create index deliveries_feed on deliveries (digest_id, status, id) where status = 'feed'`.execute(db);
    },
  };
}

/**
 * SQLite cannot alter a check: the table is made again with the wider one (its own statement, as
 * stored, with the list changed), the rows copied with their ids, and its indexes made again as
 * they were. Dropping the old table would set the bounces' links to its rows to null (on delete
 * set null): they are kept aside and put back.
 */
async function widenSqliteCheck(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ type: string; name: string; sql: string }>`select type, name, sql from sqlite_master
    where tbl_name = 'deliveries' and sql is not null order by type desc`.execute(db);
  const table = rows.find((r) => r.type === 'table');
  const old = "('pending', 'sending', 'sent', 'failed', 'skipped')";
  if (!table?.sql.includes(old)) throw new Error('deliveries: the status check is not the one of 0001');
  const create = table.sql
    .replace(old, STATUSES)
    .replace(/^create table "?deliveries"?/i, 'create table "deliveries_new"');
  await sql.raw(create).execute(db);
  await sql`insert into deliveries_new select * from deliveries`.execute(db);
  await sql`create temp table bounce_links as select id, delivery_id from bounces where delivery_id is not null`.execute(
    db,
  );
  await sql`drop table deliveries`.execute(db);
  await sql`alter table deliveries_new rename to deliveries`.execute(db);
  for (const r of rows) if (r.type === 'index') await sql.raw(r.sql).execute(db);
  await sql`update bounces set delivery_id = (select l.delivery_id from bounce_links l where l.id = bounces.id)
    where id in (select id from bounce_links)`.execute(db);
  await sql`drop table bounce_links`.execute(db);
}
