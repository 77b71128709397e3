import type { ComponentChildren } from 'preact';
import { followLink } from '../router.js';

/** A link inside the dashboard: the page does not reload. */
export function Link(props: {
  readonly href: string;
  readonly class?: string;
  readonly title?: string;
  readonly children: ComponentChildren;
}) {
  return (
    <a href={props.href} class={props.class} title={props.title} onClick={(event) => followLink(event, props.href)}>
      {props.children}
    </a>
  );
}
