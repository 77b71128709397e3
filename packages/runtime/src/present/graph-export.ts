import type { Task, TaskGraph, TaskStatus } from '@claudine/core';

/** A task's state in a graph: its status, or `blocked` for a queued task still waiting. */
export type GraphNodeState = TaskStatus | 'blocked';

/** The state a graph shows for `task`. */
export function graphNodeState(task: Task): GraphNodeState {
  return task.status === 'queued' && task.blockedBy.length > 0 ? 'blocked' : task.status;
}

/** One dependency: `from` must complete before `to` runs (`to` depends on `from`). */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
}

/** A graph as plain data: what `claudine graph --json` prints and `TaskGraph` (MCP) returns. */
export interface GraphDocument {
  readonly nodes: ReadonlyArray<{
    readonly id: string;
    readonly state: GraphNodeState;
    readonly status: TaskStatus;
    readonly agent: Task['agent'];
    readonly priority: Task['priority'];
    readonly title: string;
    readonly dependsOn: readonly string[];
    readonly blockedBy: readonly string[];
    readonly dependencyPolicy: Task['dependencyPolicy'];
    readonly failureReason: Task['failureReason'];
    readonly detail: string | null;
  }>;
  readonly edges: readonly GraphEdge[];
  /** True when the workflow had more tasks than were read. */
  readonly truncated: boolean;
}

const TITLE_LENGTH = 60;

/** The first line of a prompt, cut to `length` characters. */
export function taskTitle(task: Task, length = TITLE_LENGTH): string {
  const flat = task.prompt.replaceAll(/\s+/g, ' ').trim();
  return flat.length <= length ? flat : `${flat.slice(0, length - 1)}…`;
}

/**
 * The edges among the tasks of `graph`, in submission order. Edges to tasks outside it (a
 * truncated graph) are left out.
 */
export function graphEdges(graph: TaskGraph): GraphEdge[] {
  const present = new Set(graph.tasks.map((task) => task.id));
  return graph.tasks.flatMap((task) =>
    task.dependsOn.filter((dependency) => present.has(dependency)).map((from) => ({ from, to: task.id })),
  );
}

/** `graph` as plain data. */
export function graphDocument(graph: TaskGraph): GraphDocument {
  return {
    nodes: graph.tasks.map((task) => ({
      id: task.id,
      state: graphNodeState(task),
      status: task.status,
      agent: task.agent,
      priority: task.priority,
      title: taskTitle(task),
      dependsOn: task.dependsOn,
      blockedBy: task.blockedBy,
      dependencyPolicy: task.dependencyPolicy,
      failureReason: task.failureReason,
      detail: task.statusDetail,
    })),
    edges: graphEdges(graph),
    truncated: graph.truncated,
  };
}

const COLOURS: Readonly<Record<GraphNodeState, { fill: string; stroke: string }>> = {
  queued: { fill: '#ffffff', stroke: '#6c757d' },
  blocked: { fill: '#fff3cd', stroke: '#b08800' },
  running: { fill: '#cce5ff', stroke: '#0366d6' },
  completed: { fill: '#d4edda', stroke: '#28a745' },
  failed: { fill: '#f8d7da', stroke: '#cb2431' },
  cancelled: { fill: '#e1e4e8', stroke: '#6a737d' },
};

/**
 * The graph as a Mermaid flowchart (top to bottom; an arrow goes from a task to the tasks that
 * wait for it, so it reads in execution order). Nodes are coloured by state.
 */
export function renderMermaid(graph: TaskGraph): string {
  const lines = ['flowchart TD'];
  for (const task of graph.tasks) {
    const state = graphNodeState(task);
    lines.push(`  t_${task.id}["${mermaidText(`${task.id} · ${state}`)}<br/>${mermaidText(taskTitle(task, 40))}"]:::${state}`);
  }
  for (const edge of graphEdges(graph)) lines.push(`  t_${edge.from} --> t_${edge.to}`);
  const used = new Set(graph.tasks.map(graphNodeState));
  for (const [state, colour] of Object.entries(COLOURS)) {
    if (used.has(state as GraphNodeState)) lines.push(`  classDef ${state} fill:${colour.fill},stroke:${colour.stroke}`);
  }
  return lines.join('\n');
}

/** The graph in Graphviz DOT (render with `dot -Tsvg`); arrows as in {@link renderMermaid}. */
export function renderDot(graph: TaskGraph): string {
  const lines = ['digraph claudine {', '  rankdir=TB;', '  node [shape=box, style="rounded,filled", fontname="Helvetica"];'];
  for (const task of graph.tasks) {
    const state = graphNodeState(task);
    const colour = COLOURS[state];
    lines.push(
      `  "${task.id}" [label="${dotText(`${task.id} · ${state}`)}\\n${dotText(taskTitle(task, 40))}", fillcolor="${colour.fill}", color="${colour.stroke}"];`,
    );
  }
  for (const edge of graphEdges(graph)) lines.push(`  "${edge.from}" -> "${edge.to}";`);
  lines.push('}');
  return lines.join('\n');
}

function mermaidText(text: string): string {
  // Mermaid takes HTML entities in quoted labels; these characters would otherwise end the label
  // or be read as markup.
  return text.replaceAll('#', '#35;').replaceAll('&', '#amp;').replaceAll('"', '#quot;').replaceAll('<', '#lt;').replaceAll('>', '#gt;');
}

function dotText(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
}
