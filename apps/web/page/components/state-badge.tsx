import type { DisplayState } from '../../src/api-types.js';

/** A task's state as a coloured pill (the colours the workflow graph uses too). */
export function StateBadge(props: { readonly state: DisplayState }) {
  return (
    <span class={`badge state-${props.state}`} data-state={props.state}>
      <span class="badge-dot" />
      {props.state}
    </span>
  );
}
