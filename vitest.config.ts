import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real SMTP and HTTP servers on port 0 and real SQLite files in temp folders.
    pool: 'forks',
  },
});
