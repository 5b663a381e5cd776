import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two files at once on 2 cores: the cluster suites mostly wait on helm, kubectl and kwok (vitest's default is one).
    maxWorkers: 2,
  },
});
