import type { Claudine } from '@claudine/runtime';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerCancelTask } from './tools/cancel-task.js';
import { registerDelegateTask } from './tools/delegate-task.js';
import { registerRetryTask } from './tools/retry-task.js';
import { registerSystemMetrics } from './tools/system-metrics.js';
import { registerTaskGraph } from './tools/task-graph.js';
import { registerTaskLogs } from './tools/task-logs.js';
import { registerTaskMetrics } from './tools/task-metrics.js';
import { registerTaskStatus } from './tools/task-status.js';
import { registerUpdateDependencies } from './tools/update-dependencies.js';

/** Options for {@link createClaudineMcpServer}. */
export interface ClaudineMcpServerOptions {
  readonly version: string;
  /** Working directory of tasks that name none (the project Claude Code runs in). */
  readonly defaultCwd: string;
}

const INSTRUCTIONS = `Claudine runs tasks in background agent processes (Claude Code by default, Codex, or shell commands) so you can keep working while they run. Tasks are stored durably and keep running after this session ends.
- DelegateTask hands off a task and returns its id at once. Write the prompt as a complete brief: the agent does not see this conversation.
- TaskStatus shows a task (with its final result once done) or lists recent tasks.
- TaskLogs reads the tail of a task's output.
- CancelTask stops a task; RetryTask runs a failed one again.
- Workflows: give DelegateTask the ids of earlier tasks in dependsOn, and a task starts only after they complete (if one fails, so does it, unless dependencyPolicy says otherwise). TaskGraph shows a workflow; UpdateDependencies changes what a queued task waits for.
- TaskMetrics and SystemMetrics show what tasks consumed (CPU, memory, I/O, tokens, cost) and how the machine is doing.`;

/** Builds the MCP server with Claudine's tools over an open {@link Claudine} client. */
export function createClaudineMcpServer(claudine: Claudine, options: ClaudineMcpServerOptions): McpServer {
  const server = new McpServer(
    { name: 'claudine', title: 'Claudine', version: options.version },
    { capabilities: { logging: {} }, instructions: INSTRUCTIONS },
  );
  registerDelegateTask(server, claudine, options.defaultCwd);
  registerTaskStatus(server, claudine);
  registerTaskLogs(server, claudine);
  registerCancelTask(server, claudine);
  registerRetryTask(server, claudine);
  registerTaskGraph(server, claudine);
  registerUpdateDependencies(server, claudine);
  registerTaskMetrics(server, claudine);
  registerSystemMetrics(server, claudine);
  return server;
}
