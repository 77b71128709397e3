export type { OpenDatabaseOptions } from './database/open-database.js';
export type { WorkflowSummary } from './dependencies/workflow-summary.js';
export type { HostLockRefused, HostRecord, NewHostRecord } from './hosts/host-registry.js';
export type { IntegrityReport } from './maintenance/integrity-check.js';
export { SqliteMetricsStore } from './metrics/sqlite-metrics-store.js';
export { LATEST_SCHEMA_VERSION } from './migrations/index.js';
export type { SqliteOutputCatalog } from './output/sqlite-output-catalog.js';
export { SqliteTaskStore } from './sqlite-task-store.js';
