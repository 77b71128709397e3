import { useEffect, useRef, useState } from 'preact/hooks';
import type { TaskFinishedEvent } from '../src/api-types.js';

/** Whether the page hears the server's changes. */
export type Connection = 'connecting' | 'live' | 'lost';

const changeListeners = new Set<() => void>();
const finishedListeners = new Set<(task: TaskFinishedEvent) => void>();
const connectionListeners = new Set<(connection: Connection) => void>();
let connection: Connection = 'connecting';
let source: EventSource | undefined;

function setConnection(next: Connection): void {
  connection = next;
  for (const listener of connectionListeners) listener(next);
}

/**
 * One event stream for the whole page: the server pushes `changed` when any task changed and
 * `finished` when a running task ended, so nothing polls. After a break the browser reconnects
 * by itself; the `ready` that follows counts as a change, since some may have been missed.
 */
function connect(): void {
  if (source !== undefined) return;
  source = new EventSource('/api/events');
  let opened = false;
  source.addEventListener('ready', () => {
    if (opened) for (const listener of changeListeners) listener();
    opened = true;
    setConnection('live');
  });
  source.addEventListener('changed', () => {
    for (const listener of changeListeners) listener();
  });
  source.addEventListener('finished', (event) => {
    const task = JSON.parse((event as MessageEvent<string>).data) as TaskFinishedEvent;
    for (const listener of finishedListeners) listener(task);
  });
  source.addEventListener('error', () => {
    setConnection('lost');
    // A stream the server refused (401) is not retried by the browser: try again later.
    if (source?.readyState === EventSource.CLOSED) {
      source = undefined;
      setTimeout(connect, 5000);
    }
  });
}

/** Calls `listener` when a task ended while it was being watched. */
export function onTaskFinished(listener: (task: TaskFinishedEvent) => void): () => void {
  connect();
  finishedListeners.add(listener);
  return () => finishedListeners.delete(listener);
}

/** The connection's state, re-rendered as it changes. */
export function useConnection(): Connection {
  const [state, setState] = useState(connection);
  useEffect(() => {
    connect();
    connectionListeners.add(setState);
    return () => {
      connectionListeners.delete(setState);
    };
  }, []);
  return state;
}

/** What {@link useLiveData} gives. */
export interface LiveData<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  reload(): void;
}

/**
 * Loads data, and loads it again whenever the server says something changed: at most one load
 * at a time, at most one per `minIntervalMs`, the last change never lost.
 */
export function useLiveData<T>(load: (signal: AbortSignal) => Promise<T>, key: string, minIntervalMs = 250): LiveData<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean; key: string }>({
    data: undefined,
    error: undefined,
    loading: true,
    key,
  });
  const reloadRef = useRef<() => void>(() => {});
  useEffect(() => {
    connect();
    const controller = new AbortController();
    let running = false;
    let pending = false;
    let last = 0;
    let timer: number | undefined;
    setState((previous) => ({ ...previous, loading: true, key, ...(previous.key === key ? {} : { data: undefined, error: undefined }) }));
    const run = async (): Promise<void> => {
      if (running) {
        pending = true;
        return;
      }
      const wait = last + minIntervalMs - Date.now();
      if (wait > 0) {
        if (timer === undefined)
          timer = window.setTimeout(() => {
            timer = undefined;
            void run();
          }, wait);
        return;
      }
      running = true;
      last = Date.now();
      try {
        const data = await load(controller.signal);
        if (!controller.signal.aborted) setState({ data, error: undefined, loading: false, key });
      } catch (error) {
        if (!controller.signal.aborted) setState((previous) => ({ ...previous, error: error as Error, loading: false }));
      } finally {
        running = false;
        if (pending && !controller.signal.aborted) {
          pending = false;
          void run();
        }
      }
    };
    reloadRef.current = () => void run();
    changeListeners.add(reloadRef.current);
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
      changeListeners.delete(reloadRef.current);
    };
  }, [key]);
  return {
    data: state.key === key ? state.data : undefined,
    error: state.error,
    loading: state.loading,
    reload: () => reloadRef.current(),
  };
}
