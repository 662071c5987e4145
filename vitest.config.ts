import { defineConfig } from 'vitest/config';

// Three projects: fast unit tests beside the code (no engine, no processes of note);
// Docker integration tests beside the code (*.integration.test.ts: image builds on a real
// engine); end-to-end tests in test/ that start real labs, processes and engines. A test
// needing a real part fails instead of skipping when CI is set. `vitest run --project unit`
// is the quick loop.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: { name: 'unit', include: ['src/**/*.test.ts'], exclude: ['src/**/*.integration.test.ts'], testTimeout: 20_000 },
      },
      {
        test: { name: 'docker', include: ['src/**/*.integration.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
