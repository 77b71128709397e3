import type { DisplayState, WorkflowResponse } from '../../src/api-types.js';
import { getJson } from '../api.js';
import { GraphView } from '../components/graph-view.js';
import { Link } from '../components/link.js';
import { useLiveData } from '../live.js';

const LEGEND: readonly DisplayState[] = ['queued', 'blocked', 'running', 'completed', 'failed', 'cancelled'];

/** A workflow (the tasks linked to one by dependencies), or without an id the active workflows. */
export function WorkflowPage(props: { readonly id: string | null }) {
  const path = props.id === null ? '/api/workflows' : `/api/workflows/${props.id}`;
  const graph = useLiveData<WorkflowResponse>((signal) => getJson(path, signal), path, 500);
  const data = graph.data;
  const counts = new Map<DisplayState, number>();
  for (const node of data?.nodes ?? []) counts.set(node.state, (counts.get(node.state) ?? 0) + 1);
  return (
    <div class="page">
      {props.id === null ? null : (
        <Link href={`/tasks/${props.id}`} class="back">
          ← Task {props.id}
        </Link>
      )}
      <div class="page-header">
        <h1>{props.id === null ? 'Active workflows' : 'Workflow'}</h1>
        <span class="muted">
          {data === undefined
            ? ''
            : `${data.nodes.length} task${data.nodes.length === 1 ? '' : 's'}, ${data.edges.length} dependenc${data.edges.length === 1 ? 'y' : 'ies'}`}
        </span>
        <span class="spacer" />
        <div class="legend">
          {LEGEND.map((state) => (
            <span key={state} class={`legend-item state-${state}`}>
              <span class="legend-swatch" />
              {state}
              {counts.has(state) ? <span class="muted"> {counts.get(state)}</span> : null}
            </span>
          ))}
        </div>
      </div>
      {graph.error === undefined ? null : <div class="notice error">{graph.error.message}</div>}
      {data?.truncated === true ? (
        <div class="notice info">The workflow is larger than shown: the first {data.nodes.length} tasks are drawn.</div>
      ) : null}
      <div class="card graph-card">
        {data === undefined ? (
          <div class="empty muted">Loading…</div>
        ) : data.nodes.length === 0 ? (
          <div class="empty">
            No workflow is active. Tasks submitted with dependencies (<code>claudine run --depends-on &lt;id&gt;</code>) show here while
            they run.
          </div>
        ) : (
          <GraphView graph={data} highlight={props.id} />
        )}
      </div>
      <p class="muted small">An arrow goes from a task to the tasks that wait for it. Click a task to open it.</p>
    </div>
  );
}
