import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { Shell } from './components/shell.js';
import { startTaskNotifications } from './notifications.js';
import { SystemPage } from './pages/system-page.js';
import { TaskPage } from './pages/task-page.js';
import { TasksPage } from './pages/tasks-page.js';
import { WorkflowPage } from './pages/workflow-page.js';
import { routeOf, useLocation } from './router.js';
import './styles.css';

// Opened again with the sign-in link while already signed in: the token leaves the address at once.
if (/(?:^#|&)token=/.test(location.hash)) history.replaceState(null, '', location.pathname + location.search);

const TITLES = { tasks: 'Tasks', task: 'Task', workflow: 'Workflow', system: 'System', missing: 'Not found' } as const;

function App() {
  const { pathname, search } = useLocation();
  const route = routeOf(pathname);
  useEffect(() => startTaskNotifications(), []);
  useEffect(() => {
    document.title = `${route.page === 'task' ? `Task ${route.id}` : TITLES[route.page]} · Claudine`;
  }, [pathname]);
  return (
    <Shell route={route}>
      {route.page === 'tasks' ? (
        <TasksPage search={search} />
      ) : route.page === 'task' ? (
        <TaskPage key={route.id} id={route.id} />
      ) : route.page === 'workflow' ? (
        <WorkflowPage key={route.id ?? 'active'} id={route.id} />
      ) : route.page === 'system' ? (
        <SystemPage />
      ) : (
        <div class="page">
          <h1>Not found</h1>
          <p class="muted">There is no such page. Try the tasks.</p>
        </div>
      )}
    </Shell>
  );
}

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
