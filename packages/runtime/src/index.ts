// Apps format through runtime as they always did; the one implementation is core's.

export type { TaskAttempt } from '@claudine/core';
export { formatBytes, formatDuration } from '@claudine/core';
export type { IntegrityReport } from '@claudine/store-sqlite';
export {
  checkGit,
  DEFAULT_PATCH_PAGE_BYTES,
  type FileChange,
  type MergeOutcome,
  type PatchPage,
  type TaskDiffStat,
} from '@claudine/workspace';
export { type ChangeSignal, type SignalWatcher, sendSignal, watchSignals } from './change-signals.js';
export type { CancelResult, Claudine, ClaudineOptions, FollowOptions, HostStatus, SubmitOutcome, WaitOptions } from './client/claudine.js';
export { openClaudine } from './client/client.js';
export { type EnsureHostOptions, type EnsureHostOutcome, ensureHost, hostEntryPath, isLiveHost } from './client/ensure-host.js';
export { type BatchTaskInput, type PreparedBatch, prepareBatch } from './client/submit-batch.js';
export {
  parseBatchTask,
  parseSubmitRequest,
  type SubmitRequest,
  type SubmitRequestContext,
  SubmitRequestSchema,
  SubmitRequestShape,
  toNewTaskInput,
} from './client/submit-request.js';
export { searchTasks, type TaskSearchOptions, type TaskSearchPage } from './client/task-search.js';
export { type TaskLogWatcher, watchTaskLog } from './client/watch-task-log.js';
export type { WorktreeCalls } from './client/worktrees.js';
export { coalesced } from './coalesced.js';
export {
  accessTokenPath,
  ensureAccessToken,
  isAuthorized,
  readAccessToken,
  rotateAccessToken,
  tokensEqual,
} from './config/access-token.js';
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
} from './config/config.js';
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
} from './config/config-editing.js';
export { type DataLayout, dataLayout, ensureDataDirectory, resolveDataDirectory } from './config/data-directory.js';
export { type MetricsListenAddress, parseListenAddress } from './config/metrics-config.js';
export {
  DEPENDENCY_RESULTS_VARIABLE,
  type DependencyResult,
  type DependencyResultsOptions,
  readDependencyResults,
  withDependencyResults,
} from './host/dependency-results.js';
export { type Host, type HostExit, type HostOptions, startHost } from './host/host.js';
export {
  HOST_LOG_KEEP,
  HOST_LOG_MAX_BYTES,
  type HostLog,
  type HostLogFileOptions,
  hostLogOnStream,
  openHostLogFile,
} from './host/host-log.js';
export { pruneTasks } from './host/prune.js';
export { type RecoveryOptions, type RecoveryReport, recoverOrphanedTasks } from './host/recovery.js';
export { runHostProcess } from './host/run-host-process.js';
export { type TaskWorktreesOptions, withTaskWorktrees } from './host/task-worktrees.js';
export { type LoopbackListenOptions, listenOnLoopback } from './listen-on-loopback.js';
export { refuseNonLoopbackRequest } from './loopback-request-check.js';
export { BUDGET_WAIT_PREFIX, type BudgetStatus } from './metrics/budget.js';
export type { MetricsReader, SystemMetricsReport } from './metrics/client-metrics.js';
export { type DailySpending, readDailySpending } from './metrics/daily-spending.js';
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
export { renderClaudeTranscriptLine } from './present/claude-transcript.js';
export {
  createClaudeTranscriptRenderer,
  type TranscriptRenderer,
  type TranscriptTailOptions,
  tailClaudeTranscript,
} from './present/claude-transcript-reader.js';
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
} from './present/graph-export.js';
export { requireBundle } from './require-bundle.js';
export {
  answerInfoCommand,
  fatalErrorMessage,
  type InfoAnswers,
  type InfoCommand,
  packageVersion,
  startServerProcess,
} from './server-process.js';
export { lacksDurationUnit, parseBytes, parseDuration } from './units.js';
export type {
  MergeOptions,
  RemoveOptions,
  TaskDiff,
  TaskDiffOptions,
  TaskMerge,
  TaskWorktreeRemoval,
} from './worktrees/worktree-actions.js';
export type { WorktreeListing } from './worktrees/worktree-listing.js';
export type { WorktreePruneReport } from './worktrees/worktree-prune.js';
