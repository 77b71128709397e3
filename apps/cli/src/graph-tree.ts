import type { TaskGraph } from '@claudine/core';
import { type GraphNodeState, graphEdges, graphNodeState, taskTitle } from '@claudine/runtime';
import { paint, type Style, type Terminal, truncate, visibleWidth } from './terminal.js';

const SYMBOL: Readonly<Record<GraphNodeState, { symbol: string; style: Style }>> = {
  queued: { symbol: '○', style: 'yellow' },
  blocked: { symbol: '◌', style: 'yellow' },
  running: { symbol: '●', style: 'cyan' },
  completed: { symbol: '✓', style: 'green' },
  failed: { symbol: '✗', style: 'red' },
  cancelled: { symbol: '⊘', style: 'gray' },
};

/**
 * Draws a workflow as a tree in the terminal: each task with the tasks that wait for it below it.
 * A task with several dependencies appears under the first one drawn, and as a reference
 * (`↑ id`) under the others, so every edge shows and every task is drawn in full once.
 */
export function drawGraphTree(terminal: Terminal, graph: TaskGraph): string {
  const byId = new Map(graph.tasks.map((task) => [task.id, task]));
  const children = new Map<string, string[]>();
  const hasParent = new Set<string>();
  for (const edge of graphEdges(graph)) {
    children.set(edge.from, [...(children.get(edge.from) ?? []), edge.to]);
    hasParent.add(edge.to);
  }
  const drawn = new Set<string>();
  const lines: string[] = [];

  const label = (id: string): string => {
    const task = byId.get(id);
    if (task === undefined) return id;
    const state = graphNodeState(task);
    const { symbol, style } = SYMBOL[state];
    let text = `${paint(terminal, style, symbol)} ${paint(terminal, 'bold', task.id)}  ${paint(terminal, style, state)}`;
    if (state === 'blocked') text += paint(terminal, 'dim', ` (waits on ${task.blockedBy.join(', ')})`);
    else if (task.failureReason === 'dependency_failed' && task.statusDetail !== null)
      text += paint(terminal, 'dim', ` (${task.statusDetail})`);
    return text;
  };

  const line = (prefix: string, connector: string, id: string): void => {
    const head = `${prefix}${connector}${label(id)}`;
    const task = byId.get(id);
    const room = terminal.width - visibleWidth(head) - 2;
    lines.push(task === undefined || room < 10 ? head : `${head}  ${truncate(taskTitle(task, 200), room)}`);
  };

  const draw = (id: string, prefix: string, connector: string, childPrefix: string): void => {
    if (drawn.has(id)) {
      lines.push(`${prefix}${connector}${paint(terminal, 'dim', `↑ ${id} (drawn above)`)}`);
      return;
    }
    drawn.add(id);
    line(prefix, connector, id);
    const below = children.get(id) ?? [];
    below.forEach((child, index) => {
      const last = index === below.length - 1;
      draw(child, childPrefix, last ? '└─ ' : '├─ ', childPrefix + (last ? '   ' : '│  '));
    });
  };

  // From the roots (no dependency inside the graph), in submission order: in an acyclic graph
  // they reach every task.
  for (const task of graph.tasks) if (!hasParent.has(task.id)) draw(task.id, '', '', '');
  return lines.join('\n');
}

/** "5 tasks: 2 completed, 1 running, 2 blocked". */
export function graphSummary(graph: TaskGraph): string {
  const counts = new Map<GraphNodeState, number>();
  for (const task of graph.tasks) counts.set(graphNodeState(task), (counts.get(graphNodeState(task)) ?? 0) + 1);
  const parts = (Object.keys(SYMBOL) as GraphNodeState[])
    .filter((state) => counts.has(state))
    .map((state) => `${counts.get(state)} ${state}`);
  return `${graph.tasks.length} task${graph.tasks.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
