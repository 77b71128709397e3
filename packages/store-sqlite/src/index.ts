export { LATEST_SCHEMA_VERSION } from './migrations/index.js';
export type { OpenDatabaseOptions } from './open-database.js';
export type { SqliteOutputCatalog } from './sqlite-output-catalog.js';
export { type HostLockRefused, type HostRecord, SqliteTaskStore } from './sqlite-task-store.js';
