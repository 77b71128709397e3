import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onUnauthorized } from '../api.js';
import { useConnection } from '../live.js';
import { askForNotifications, type NotificationState, notificationState } from '../notifications.js';
import type { Route } from '../router.js';
import { Link } from './link.js';

/** The frame of every page: the header with the navigation, the live indicator and notifications. */
export function Shell(props: { readonly route: Route; readonly children: ComponentChildren }) {
  const connection = useConnection();
  const [notifications, setNotifications] = useState<NotificationState>(notificationState());
  const [signedOut, setSignedOut] = useState(false);
  useEffect(() => onUnauthorized(() => setSignedOut(true)), []);
  const current = props.route.page;
  const tab = (href: string, label: string, active: boolean) => (
    <Link href={href} class={`nav-link ${active ? 'active' : ''}`}>
      {label}
    </Link>
  );
  return (
    <div class="app">
      <header class="topbar">
        <Link href="/tasks" class="brand">
          <span class="brand-mark">C</span>
          <span>Claudine</span>
        </Link>
        <nav class="nav">
          {tab('/tasks', 'Tasks', current === 'tasks' || current === 'task')}
          {tab('/workflows', 'Workflows', current === 'workflow')}
          {tab('/system', 'System', current === 'system')}
        </nav>
        <span class="spacer" />
        {notifications === 'default' ? (
          <button type="button" class="button small ghost" onClick={() => void askForNotifications().then(setNotifications)}>
            Notify me when tasks end
          </button>
        ) : notifications === 'granted' ? (
          <span class="muted small" title="A browser notification shows when a task completes, fails or is cancelled">
            Notifications on
          </span>
        ) : null}
        <span
          class={`connection ${connection}`}
          title={connection === 'live' ? 'Updates arrive as they happen' : 'Reconnecting to the dashboard'}
        >
          <span class="live-dot on" />
          {connection === 'live' ? 'Live' : connection === 'connecting' ? 'Connecting' : 'Reconnecting'}
        </span>
      </header>
      {signedOut ? (
        <div class="banner error">
          This page is signed out (the access token changed, or the dashboard restarted with another data directory). Run{' '}
          <code>claudine ui</code> and open the link it prints.
        </div>
      ) : null}
      <main class="content">{props.children}</main>
    </div>
  );
}
