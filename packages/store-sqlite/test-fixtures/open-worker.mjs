// Opens a store (creating and migrating the database if needed) as soon as the go file exists,
// then exits. Runs against the built package: several of these race to create one database.
import { existsSync } from 'node:fs';
import { SqliteTaskStore } from '@claudine/store-sqlite';

const [path, goFile] = process.argv.slice(2);
process.stderr.write('ready\n');
while (!existsSync(goFile)) await new Promise((resolve) => setTimeout(resolve, 1));
const store = SqliteTaskStore.open({ path, busyTimeoutMs: 30_000 });
store.close();
