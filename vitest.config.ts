import { defineConfig } from 'vitest/config';

// The integration and browser tests run once per store: SQLite always, PostgreSQL as well when
// PAPERBOY_TEST_DATABASE_URL names a server (.ci/run sets it). The unit tests touch no store.
const stores = [
  'test/integration/**/*.test.ts',
  'test/e2e/**/*.test.ts',
  'test/faults/**/*.test.ts',
  'test/security/**/*.test.ts',
];

export default defineConfig({
  test: {
    // A timeout is a hang detector, set three times above what the slowest test of its kind takes with
    // two CPU-bound processes beside the run (19.6 s for a 30 s test before: too close).
    testTimeout: 90_000,
    hookTimeout: 90_000,
    // Integration tests start real SMTP and HTTP servers on port 0 and real stores (SQLite files in
    // temp folders, PostgreSQL schemas). A process per test file: the in-process CLI
    // (test/helpers/cli.ts) changes the process's folder while a command runs.
    pool: 'forks',
    // A worker process runs one test file after another with its modules loaded once (mjml, kysely,
    // the app): about 1.5 s of imports per file saved. Tests share no module state they depend on
    // (no mocks, no env writes; each test builds its own app, store and servers), and vitest never
    // shares a process between projects (test/helpers/test-app.ts checks it).
    isolate: false,
    // Two test files at a time. vitest's default is one fewer than the cores: one at a time on the
    // 2-core machines this runs on, where most tests wait on sockets, stores and child processes
    // (npm test, quiet: 455 s one at a time, 343 s two at a time; docs/development.md, Test times).
    maxWorkers: 2,
    // `npm run coverage` (scripts/coverage.mjs): line coverage of src/ over every project that runs,
    // PostgreSQL's included. Code run only in a spawned `bin/paperboy.js` (dist/) is not seen.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.d.ts'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
      // A run of the whole suite takes half an hour: one failed test should not lose its figures.
      reportOnFailure: true,
    },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: stores,
          env: { PAPERBOY_TEST_STORE: 'sqlite' },
          globalSetup: ['test/helpers/build-setup.ts'],
        },
      },
      ...(process.env.PAPERBOY_TEST_DATABASE_URL
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                // test/postgres: what only PostgreSQL does (send workers, the cluster rate limit).
                include: [...stores, 'test/postgres/**/*.test.ts'],
                env: { PAPERBOY_TEST_STORE: 'postgres' },
                globalSetup: ['test/helpers/build-setup.ts', 'test/helpers/postgres-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
