export type { Agent, AgentInvocation, AgentReportParser } from './agents/agent.js';
export { type ClaudeAgentOptions, createClaudeAgent } from './agents/claude-agent.js';
export { createClaudeStreamParser } from './agents/claude-stream-parser.js';
export { renderClaudeTranscriptLine } from './agents/claude-transcript.js';
export { type CodexAgentOptions, createCodexAgent, createCodexEventParser } from './agents/codex-agent.js';
export { type CommandAgentOptions, createCommandAgent } from './agents/command-agent.js';
export { createFileOutputStore } from './output/file-output-store.js';
export { taskLogDirectory, taskLogFile } from './output/log-paths.js';
export {
  createTaskLogWriter,
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
export { type StopProcessTreeOptions, type StopProcessTreeOutcome, stopProcessTree } from './process/stop-process-tree.js';
export type { TreeTermination, TreeTerminationOptions, TreeTerminationOutcome } from './process/terminate-process-tree.js';
export { createProcessRunner, type NodeProcessRunner, type ProcessRunnerOptions } from './process-runner.js';
