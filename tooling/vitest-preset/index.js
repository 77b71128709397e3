// @ts-check
import { defineProject } from 'vitest/config';

// Workspace packages export "@claudine/source" -> ./src/index.ts, so tests run against source
// and never need a build; the remaining conditions are Node's usual ones.
const conditions = ['@claudine/source', 'node', 'import', 'module', 'default'];

/** @type {import('./index.js').claudineProject} */
export function claudineProject({ name, testTimeout = 20_000 }) {
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@claudine/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      testTimeout,
      hookTimeout: testTimeout,
      // Tests spawn real processes and open real SQLite files: forks isolate them best.
      pool: 'forks',
    },
  });
}
