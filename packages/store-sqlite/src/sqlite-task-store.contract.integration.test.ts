import { join } from 'node:path';
import { describeTaskStoreContract } from '@claudine/store-contract';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import { afterAll, beforeAll } from 'vitest';
import { SqliteTaskStore } from './sqlite-task-store.js';

let temp: TempDir;
let opened = 0;

beforeAll(() => {
  temp = createTempDir();
});

afterAll(() => temp.remove());

describeTaskStoreContract('SqliteTaskStore', {
  open: () => {
    opened += 1;
    return SqliteTaskStore.open({ path: join(temp.path, `contract-${opened}.db`), busyTimeoutMs: 10_000 });
  },
  close: (store) => store.close(),
  invariantProblems: async (store) => (await store.checkIntegrity()).problems,
});
