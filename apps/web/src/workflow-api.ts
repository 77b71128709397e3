import { type Claudine, graphDocument } from '@claudine/runtime';
import type { WorkflowResponse } from './api-types.js';

// Layout in the page is quadratic-ish in the worst case: past this the graph is cut and says so.
const MAX_NODES = 400;

/** `GET /api/workflows[/:id]`: the workflow of a task, or the active workflows. Throws `not_found`. */
export async function workflow(claudine: Claudine, id: string | undefined): Promise<WorkflowResponse> {
  const document = graphDocument(await claudine.graph(id, { limit: MAX_NODES }));
  return {
    nodes: document.nodes.map((node) => ({
      id: node.id,
      state: node.state,
      title: node.title,
      agent: node.agent,
      priority: node.priority,
      detail: node.detail,
    })),
    edges: document.edges,
    truncated: document.truncated,
  };
}
