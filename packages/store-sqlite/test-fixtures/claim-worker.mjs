// Claims tasks from a store until none is left, completing each, and prints the ids it ran as
// JSON. Runs against the built package: several of these race on one database file.
import { existsSync } from 'node:fs';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { completedOutcomeFixture } from '@claudine/task-fixtures';

const [path, owner, maxRunning, goFile] = process.argv.slice(2);
const store = SqliteTaskStore.open({ path, busyTimeoutMs: 30_000 });
// Start together: say we are ready, then wait for the go file, so the claims really race.
process.stderr.write('ready\n');
while (!existsSync(goFile)) await new Promise((resolve) => setTimeout(resolve, 2));
const claimed = [];
let idle = 0;
while (idle < 20) {
  const now = Date.now();
  const task = await store.claimNext({ owner, maxRunning: Number(maxRunning), now, leaseExpiresAt: now + 60_000 });
  if (task === undefined) {
    idle += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    continue;
  }
  idle = 0;
  claimed.push(task.id);
  // The task "runs" for a moment, as it would on a host. It also keeps one worker from draining
  // every task before the others have woken on a busy machine, which would leave nothing to race.
  await new Promise((resolve) => setTimeout(resolve, 1));
  const finished = await store.finish(task.id, owner, completedOutcomeFixture());
  if (!finished.ok) throw new Error(finished.error.message);
}
store.close();
process.stdout.write(JSON.stringify(claimed));
