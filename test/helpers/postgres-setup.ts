// Global setup of the `postgres` test project: one fresh database for the whole run, made on the
// server PAPERBOY_TEST_DATABASE_URL names and dropped at the end; each test store is a schema in it
// (see testDatabaseUrl in test-app.ts). A server that does not answer fails the run: never a skip.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's own PostgreSQL database (no schema). */
    testDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = process.env.PAPERBOY_TEST_DATABASE_URL;
  if (!admin) throw new Error('the postgres test project needs PAPERBOY_TEST_DATABASE_URL');
  const shown = new URL(admin);
  shown.password = '';
  const connect = async () => {
    const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
    } catch (err) {
      throw new Error(
        `PAPERBOY_TEST_DATABASE_URL is set but PostgreSQL does not answer at ${shown}: ${(err as Error).message}. ` +
          'Start PostgreSQL (.ci/run does), or unset the variable to test on SQLite only.',
      );
    }
    return client;
  };
  const name = `pb_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const client = await connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  project.provide('testDatabaseUrl', url.toString());
  return async () => {
    const c = await connect();
    try {
      // force: a CLI child killed by a test may have left a connection behind.
      await c.query(`drop database if exists ${name} with (force)`);
    } finally {
      await c.end();
    }
  };
}
