export type { IntegrityReport } from './maintenance.js';
export { LATEST_SCHEMA_VERSION } from './migrations/index.js';
export type { OpenDatabaseOptions } from './open-database.js';
export { SqliteMetricsStore } from './sqlite-metrics-store.js';
export type { SqliteOutputCatalog } from './sqlite-output-catalog.js';
export { type HostLockRefused, type HostRecord, SqliteTaskStore, type TaskAttempt } from './sqlite-task-store.js';
