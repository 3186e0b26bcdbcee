import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and integration tests in test/ that start real
// servers and engines. Integration files run one at a time: they share Docker, ports and CPU.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{cli,config,proxy,scaler,store,plugins,loadtests}/**/*.test.ts'],
          pool: 'threads',
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
