import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The threads pool was seen to segfault with Temporal's native bridge.
    pool: 'forks',
    // One time-skipping server is shared by every file: skipping time in one file must not race another.
    fileParallelism: false,
    globalSetup: ['test/harness/global-setup.ts'],
    setupFiles: ['test/harness/quiet-runtime.ts'],
    reporters: ['default', './test/harness/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
  },
});
