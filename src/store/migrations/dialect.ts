import type { ColumnDataType, ColumnDefinitionBuilder } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';
/**
 * The column types and keys that differ by dialect; everything else is written once. A generated
 * id is an identity column on PostgreSQL (Kysely's autoIncrement is SQLite and MySQL syntax). Ids,
 * the columns that reference them and millisecond timestamps are 64-bit, as SQLite's integer is
 * (PostgreSQL's integer has 32 bits; a daily million-reader ledger passes 2^31 ids in six years).
 */
export function dialectTypes(dialect: Dialect) {
  return {
    id: (c: ColumnDefinitionBuilder) =>
      dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    int64: (dialect === 'postgres' ? 'bigint' : 'integer') as ColumnDataType,
  };
}

export type DialectTypes = ReturnType<typeof dialectTypes>;
