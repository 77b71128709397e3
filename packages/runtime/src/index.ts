export {
  createClaudeTranscriptRenderer,
  renderClaudeTranscriptLine,
  type TranscriptRenderer,
  type TranscriptTailOptions,
  tailClaudeTranscript,
} from '@claudine/runner';
export type { IntegrityReport, TaskAttempt } from '@claudine/store-sqlite';
export {
  accessTokenPath,
  ensureAccessToken,
  isAuthorized,
  readAccessToken,
  rotateAccessToken,
  tokensEqual,
} from './access-token.js';
export { BUDGET_WAIT_PREFIX, type BudgetStatus } from './budget.js';
export { type ChangeSignal, type SignalWatcher, sendSignal, watchSignals } from './change-signals.js';
export {
  type CancelResult,
  type Claudine,
  type ClaudineOptions,
  type FollowOptions,
  type HostStatus,
  openClaudine,
  type SubmitOutcome,
  type WaitOptions,
} from './client.js';
export type { MetricsReader, SystemMetricsReport } from './client-metrics.js';
export { coalesced } from './coalesced.js';
export {
  type Config,
  type ConfigInput,
  ConfigSchema,
  type ConfigSources,
  environmentName,
  type LoadConfigOptions,
  loadConfig,
  readConfigFile,
  resolveConcurrency,
  setPath,
  settingPaths,
} from './config.js';
export {
  type ConfigDescription,
  type ConfigEditOptions,
  describeConfig,
  parseSettingText,
  SETTING_SOURCES,
  type SetSettingOutcome,
  type SettingDescription,
  type SettingSource,
  setSetting,
  type UnsetSettingOutcome,
  unsetSetting,
  writeConfigFile,
} from './config-editing.js';
export { type DailySpending, readDailySpending } from './daily-spending.js';
export { type DataLayout, dataLayout, ensureDataDirectory, resolveDataDirectory } from './data-directory.js';
export {
  DEPENDENCY_RESULTS_VARIABLE,
  type DependencyResult,
  type DependencyResultsOptions,
  readDependencyResults,
  withDependencyResults,
} from './dependency-results.js';
export { type EnsureHostOptions, type EnsureHostOutcome, ensureHost, hostEntryPath, isLiveHost } from './ensure-host.js';
export {
  type GraphDocument,
  type GraphEdge,
  type GraphNodeState,
  graphDocument,
  graphEdges,
  graphNodeState,
  renderDot,
  renderMermaid,
  taskTitle,
} from './graph-export.js';
export { type Host, type HostExit, type HostOptions, startHost } from './host.js';
export { HOST_LOG_KEEP, HOST_LOG_MAX_BYTES, type HostLog, type HostLogFileOptions, hostLogOnStream, openHostLogFile } from './host-log.js';
export { refuseNonLoopbackRequest } from './loopback-request-check.js';
export { type MetricsListenAddress, parseListenAddress } from './metrics-config.js';
export { NOTIFICATION_CHANNELS, type NotificationChannelName } from './notify/notification-channel.js';
export type { NotificationPayload, NotifiedTask } from './notify/notification-payload.js';
export {
  type DeliveryError,
  DeliveryErrorSchema,
  type NotificationStatus,
  NotificationStatusSchema,
  notificationStatusPath,
  readNotificationStatus,
} from './notify/notification-status.js';
export { NOTIFY_EVENT_KINDS, type NotifyEventKind } from './notify/notify-settings.js';
export { SIGNATURE_HEADER, signWebhookBody } from './notify/webhook-channel.js';
export { pruneTasks } from './prune.js';
export { type RecoveryOptions, type RecoveryReport, recoverOrphanedTasks } from './recovery.js';
export { runHostProcess } from './run-host-process.js';
export { searchTasks, type TaskSearchOptions, type TaskSearchPage } from './task-search.js';
export { formatBytes, formatDuration, lacksDurationUnit, parseBytes, parseDuration } from './units.js';
export { type TaskLogWatcher, watchTaskLog } from './watch-task-log.js';
