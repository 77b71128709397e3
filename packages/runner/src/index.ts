export type { Agent, AgentInvocation, AgentReportParser } from './agents/agent.js';
export { type ClaudeAgentOptions, createClaudeAgent } from './agents/claude-agent.js';
export { createClaudeStreamParser } from './agents/claude-stream-parser.js';
export { type CodexAgentOptions, createCodexAgent, createCodexEventParser } from './agents/codex-agent.js';
export { type CommandAgentOptions, createCommandAgent } from './agents/command-agent.js';
export { type CompressedSegment, compressSegment } from './output/compress-segment.js';
export { createFileOutputStore } from './output/file-output-store.js';
export { type LogFileSystem, nodeLogFileSystem } from './output/log-file-system.js';
export { taskLogDirectory } from './output/log-paths.js';
export {
  createOutputMaintenance,
  type OutputMaintenance,
  type OutputMaintenanceOptions,
  type OutputSweepReport,
} from './output/output-maintenance.js';
export { listSegments, type SegmentFile, segmentFileName } from './output/segment-files.js';
export {
  createTaskLogWriter,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_LOG_BYTES,
  DEFAULT_SEGMENT_BYTES,
  type TaskLogSummary,
  type TaskLogWriter,
  type TaskLogWriterOptions,
} from './output/task-log-writer.js';
export { identifyProcess, isSameProcessAlive, processStartTime } from './process/process-identity.js';
export { type ProcessSource, type ProcessStatus, readProcessStatus, systemProcessSource } from './process/process-status.js';
export type { ProcessTree, SignalReport } from './process/process-tree.js';
export {
  createProcessTreeWatcher,
  type ProcessTreeWatcher,
  type ProcessTreeWatcherOptions,
  type TrackOptions,
} from './process/process-tree-watcher.js';
export type { RunCgroups } from './process/run-cgroups.js';
export { type StopProcessTreeOptions, type StopProcessTreeOutcome, stopProcessTree } from './process/stop-process-tree.js';
export type { TreeTermination, TreeTerminationOptions, TreeTerminationOutcome } from './process/terminate-process-tree.js';
export { createProcessRunner, type NodeProcessRunner, type ProcessRunnerOptions } from './process-runner.js';
