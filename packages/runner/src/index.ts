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
export { findTaskProcesses } from './process/task-processes.js';
export { createProcessRunner, type ProcessRunnerOptions } from './process-runner.js';
