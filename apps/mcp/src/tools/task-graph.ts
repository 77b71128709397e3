import { AGENT_KINDS, DEPENDENCY_POLICIES, FAILURE_REASONS, PRIORITIES, TASK_STATUSES } from '@claudine/core';
import { type Claudine, graphDocument, renderMermaid } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { READS_TASKS, registerGuardedTool } from '../register-tool.js';
import { toolResult } from '../tool-result.js';

const inputSchema = {
  taskId: z.string().optional().describe('A task of the workflow. Omit it for the workflows of queued and running tasks.'),
  limit: z.number().int().min(1).max(2000).optional().describe('Most tasks to return (default 200).'),
};

const outputSchema = {
  nodes: z.array(
    z.object({
      id: z.string(),
      state: z.enum([...TASK_STATUSES, 'blocked']).describe('The status, or "blocked" for a queued task still waiting for dependencies.'),
      status: z.enum(TASK_STATUSES),
      agent: z.enum(AGENT_KINDS),
      priority: z.enum(PRIORITIES),
      title: z.string().describe('The start of the prompt.'),
      dependsOn: z.array(z.string()),
      blockedBy: z.array(z.string()),
      dependencyPolicy: z.enum(DEPENDENCY_POLICIES),
      failureReason: z.enum(FAILURE_REASONS).nullable(),
      detail: z.string().nullable(),
    }),
  ),
  edges: z.array(z.object({ from: z.string(), to: z.string() })).describe('"to" depends on "from": it starts after "from" completed.'),
  truncated: z.boolean().describe('True when the workflow has more tasks than were returned.'),
  mermaid: z.string().describe('The graph as a Mermaid flowchart.'),
};

/** Registers `TaskGraph`. */
export function registerTaskGraph(server: McpServer, claudine: Claudine): void {
  registerGuardedTool(
    server,
    'TaskGraph',
    {
      title: 'Workflow graph',
      description:
        'Show a workflow: the tasks linked to a task by dependencies, their states (blocked tasks with what they wait for), and the edges between them, also as a Mermaid diagram. Use it to see where a multi-step piece of delegated work stands and what a failure affected.',
      inputSchema,
      outputSchema,
      annotations: READS_TASKS,
    },
    async (args) => {
      const graph = await claudine.graph(args.taskId, { limit: args.limit ?? 200 });
      const document = graphDocument(graph);
      const lines = document.nodes.map((node) => {
        const waits = node.dependsOn.length === 0 ? '' : ` after ${node.dependsOn.join(', ')}`;
        const blocked = node.blockedBy.length === 0 ? '' : ` (waiting for ${node.blockedBy.join(', ')})`;
        return `- ${node.id} ${node.state}${waits}${blocked}: ${node.title}`;
      });
      const text =
        document.nodes.length === 0
          ? 'No workflow: nothing is queued or running. Pass a taskId.'
          : `${document.nodes.length} tasks${document.truncated ? ' (more left out; raise limit)' : ''}:\n${lines.join('\n')}`;
      return toolResult({ ...document, mermaid: renderMermaid(graph) }, text);
    },
  );
}
