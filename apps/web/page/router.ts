import { useEffect, useState } from 'preact/hooks';

/** The pages of the dashboard, from the address. */
export type Route =
  | { readonly page: 'tasks' }
  | { readonly page: 'task'; readonly id: string }
  | { readonly page: 'workflow'; readonly id: string | null }
  | { readonly page: 'system' }
  | { readonly page: 'missing' };

/** The route of a path. */
export function routeOf(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/tasks') return { page: 'tasks' };
  if (path === '/system') return { page: 'system' };
  if (path === '/workflows') return { page: 'workflow', id: null };
  const task = /^\/tasks\/([0-9a-z]{10})$/.exec(path);
  if (task !== null) return { page: 'task', id: task[1] as string };
  const workflow = /^\/workflows\/([0-9a-z]{10})$/.exec(path);
  if (workflow !== null) return { page: 'workflow', id: workflow[1] as string };
  return { page: 'missing' };
}

const NAVIGATED = 'claudine:navigated';

/** Goes to `url` inside the page (the address changes; the page does not reload). */
export function navigate(url: string, options: { readonly replace?: boolean } = {}): void {
  if (url === location.pathname + location.search) return;
  if (options.replace === true) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(NAVIGATED));
  if (options.replace !== true) window.scrollTo(0, 0);
}

/** The current path and query; re-renders on every navigation (links, back, forward). */
export function useLocation(): { readonly pathname: string; readonly search: string } {
  const [location, setLocation] = useState(() => ({ pathname: window.location.pathname, search: window.location.search }));
  useEffect(() => {
    const update = (): void => setLocation({ pathname: window.location.pathname, search: window.location.search });
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return location;
}

/** Follows a link inside the page unless the user asked for a new tab or window. */
export function followLink(event: MouseEvent, href: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(href);
}
