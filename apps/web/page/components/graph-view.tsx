import { useEffect, useState } from 'preact/hooks';
import type { GraphNodeView, WorkflowResponse } from '../../src/api-types.js';
import { followLink } from '../router.js';

const NODE_WIDTH = 230;
const NODE_HEIGHT = 64;

interface Placed {
  readonly node: GraphNodeView;
  readonly x: number;
  readonly y: number;
}

interface Routed {
  readonly from: string;
  readonly to: string;
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>;
}

/**
 * A workflow drawn as a graph: dagre places the tasks in layers (a task below the ones it waits
 * for), each node coloured by state and a link to its task.
 */
export function GraphView(props: { readonly graph: WorkflowResponse; readonly highlight?: string | null }) {
  const [placed, setPlaced] = useState<Placement | undefined>(undefined);
  useEffect(() => {
    let cancelled = false;
    // dagre is loaded with the first graph: the tasks table does without it.
    void import('@dagrejs/dagre').then((dagre) => {
      if (!cancelled) setPlaced(place(dagre, props.graph));
    });
    return () => {
      cancelled = true;
    };
  }, [props.graph]);
  if (placed === undefined) return <div class="empty muted">Drawing…</div>;
  return (
    <div class="graph-scroll">
      <svg
        class="graph"
        width={placed.width}
        height={placed.height}
        viewBox={`0 0 ${placed.width} ${placed.height}`}
        role="img"
        aria-label={`Workflow of ${props.graph.nodes.length} tasks`}
        data-testid="workflow-graph"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="graph-arrow" />
          </marker>
        </defs>
        {placed.edges.map((edge) => (
          <path key={`${edge.from}-${edge.to}`} class="graph-edge" d={curve(edge.points)} marker-end="url(#arrow)" />
        ))}
        {placed.nodes.map(({ node, x, y }) => (
          <a
            key={node.id}
            href={`/tasks/${node.id}`}
            class={`graph-node state-${node.state} ${props.highlight === node.id ? 'highlight' : ''}`}
            data-task-id={node.id}
            data-state={node.state}
            onClick={(event) => followLink(event as unknown as MouseEvent, `/tasks/${node.id}`)}
          >
            <title>{`${node.id} · ${node.state}${node.detail === null ? '' : `\n${node.detail}`}\n${node.title}`}</title>
            <rect x={x - NODE_WIDTH / 2} y={y - NODE_HEIGHT / 2} width={NODE_WIDTH} height={NODE_HEIGHT} rx="10" />
            <rect class="graph-node-bar" x={x - NODE_WIDTH / 2} y={y - NODE_HEIGHT / 2} width="5" height={NODE_HEIGHT} rx="2" />
            <text x={x - NODE_WIDTH / 2 + 16} y={y - 8} class="graph-node-id">
              {node.id} · {node.state}
            </text>
            <text x={x - NODE_WIDTH / 2 + 16} y={y + 14} class="graph-node-title">
              {shorten(node.title, 30)}
            </text>
          </a>
        ))}
      </svg>
    </div>
  );
}

interface Placement {
  readonly nodes: readonly Placed[];
  readonly edges: readonly Routed[];
  readonly width: number;
  readonly height: number;
}

function place(dagre: typeof import('@dagrejs/dagre'), graph: WorkflowResponse): Placement {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 36, ranksep: 56, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of graph.edges) g.setEdge(edge.from, edge.to);
  dagre.layout(g);
  const nodes = graph.nodes.map((node) => {
    const position = g.node(node.id) as { x: number; y: number };
    return { node, x: position.x, y: position.y };
  });
  const edges = graph.edges.map((edge) => ({
    from: edge.from,
    to: edge.to,
    points: ((g.edge(edge.from, edge.to) as { points?: Array<{ x: number; y: number }> } | undefined)?.points ?? []).slice(),
  }));
  const size = g.graph() as { width?: number; height?: number };
  return { nodes, edges, width: Math.max(NODE_WIDTH + 32, size.width ?? 0), height: Math.max(NODE_HEIGHT + 32, size.height ?? 0) };
}

// A smooth path through dagre's points (a quadratic curve through each midpoint).
function curve(points: ReadonlyArray<{ readonly x: number; readonly y: number }>): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points as Array<{ x: number; y: number }>;
  if (first === undefined) return '';
  let path = `M ${first.x} ${first.y}`;
  for (let index = 0; index < rest.length - 1; index += 1) {
    const point = rest[index] as { x: number; y: number };
    const next = rest[index + 1] as { x: number; y: number };
    path += ` Q ${point.x} ${point.y} ${(point.x + next.x) / 2} ${(point.y + next.y) / 2}`;
  }
  const last = rest[rest.length - 1];
  if (last !== undefined) path += ` L ${last.x} ${last.y}`;
  return path;
}

function shorten(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
