import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { LogEndEvent, LogLinesEvent } from '../../src/api-types.js';

interface Line {
  readonly key: number;
  readonly stream: 'stdout' | 'stderr' | 'system';
  text: string;
  /** True while the line has not ended yet (a raw chunk without its newline). */
  open: boolean;
}

/** Lines kept on the page; a person scrolls this far at most, and `claudine logs` has the rest. */
const MAX_LINES = 5000;

type Phase = 'connecting' | 'live' | 'ended' | 'failed';

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = (): void => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

/**
 * A task's log, live: the last lines first, then each line as the task writes it (server-sent
 * events), until the task ends. Sticks to the bottom unless the reader scrolled up.
 */
export function LogView(props: { readonly taskId: string; readonly running: boolean }) {
  const lines = useRef<Line[]>([]);
  const dropped = useRef(0);
  const [, setVersion] = useState(0);
  const [phase, setPhase] = useState<Phase>('connecting');
  const [note, setNote] = useState<string | null>(null);
  const [earlier, setEarlier] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const visible = usePageVisible();

  useEffect(() => {
    // A hidden tab lets its log stream go: browsers allow a handful of connections per server,
    // and the change stream (notifications) needs one. Shown again, it starts from the latest lines.
    if (!visible) return;
    lines.current = [];
    dropped.current = 0;
    let key = 0;
    let frame: number | undefined;
    const redraw = (): void => {
      if (frame !== undefined) return;
      frame = requestAnimationFrame(() => {
        frame = undefined;
        setVersion((version) => version + 1);
      });
    };
    // A chunk may end mid-line: the next chunk of the same stream continues that line.
    const openLines = new Map<Line['stream'], Line>();
    const add = (stream: Line['stream'], text: string): void => {
      const list = lines.current;
      const parts = text.split('\n');
      let first = 0;
      const open = openLines.get(stream);
      if (open !== undefined) {
        open.text += parts[0] ?? '';
        first = 1;
        if (parts.length > 1) {
          open.open = false;
          openLines.delete(stream);
        }
      }
      for (let index = first; index < parts.length; index += 1) {
        const last = index === parts.length - 1;
        if (last && parts[index] === '') break;
        key += 1;
        const line: Line = { key, stream, text: parts[index] ?? '', open: last };
        list.push(line);
        if (last) openLines.set(stream, line);
      }
      if (list.length > MAX_LINES) {
        dropped.current += list.length - MAX_LINES;
        list.splice(0, list.length - MAX_LINES);
      }
    };
    let source: EventSource | undefined;
    const open = (): void => {
      source = new EventSource(`/api/tasks/${props.taskId}/log`);
      source.addEventListener('start', (event) => {
        setEarlier((JSON.parse((event as MessageEvent<string>).data) as { earlier: boolean }).earlier);
        setPhase('live');
      });
      source.addEventListener('lines', (event) => {
        const data = JSON.parse((event as MessageEvent<string>).data) as LogLinesEvent;
        for (const line of data.lines) add(line.stream, line.text);
        redraw();
      });
      source.addEventListener('skipped', () => {
        // The task writes faster than this page reads: start again from its latest lines.
        source?.close();
        openLines.clear();
        add('system', '⋯ output skipped: the task writes faster than a page can show (claudine logs has all of it) ⋯\n');
        redraw();
        open();
      });
      source.addEventListener('end', (event) => {
        const data = JSON.parse((event as MessageEvent<string>).data) as LogEndEvent;
        source?.close();
        setPhase('ended');
        setNote(
          `The task ${data.status === 'completed' ? 'completed' : data.status === 'failed' ? 'failed' : `is ${data.status}`}: this is its whole log.`,
        );
      });
      source.addEventListener('failure', (event) => {
        source?.close();
        setPhase('failed');
        setNote((JSON.parse((event as MessageEvent<string>).data) as { error: string }).error);
      });
    };
    open();
    return () => {
      source?.close();
      if (frame !== undefined) cancelAnimationFrame(frame);
    };
  }, [props.taskId, visible]);

  useLayoutEffect(() => {
    const element = box.current;
    if (element !== null && stick.current) element.scrollTop = element.scrollHeight;
  });

  const onScroll = (): void => {
    const element = box.current;
    if (element !== null) stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
  };

  const shown = lines.current;
  return (
    <div class="log-panel">
      <div class="log-toolbar">
        <span class={`live-dot ${phase === 'live' && props.running ? 'on' : ''}`} />
        <span class="muted">
          {phase === 'connecting'
            ? 'Connecting…'
            : phase === 'live'
              ? props.running
                ? 'Following live'
                : 'Log'
              : phase === 'ended'
                ? 'Finished'
                : 'Unavailable'}
        </span>
        <span class="spacer" />
        <span class="muted">{shown.length.toLocaleString('en-US')} lines</span>
        <button
          type="button"
          class="button small ghost"
          onClick={() => {
            stick.current = true;
            const element = box.current;
            if (element !== null) element.scrollTop = element.scrollHeight;
          }}
        >
          Jump to end
        </button>
      </div>
      <div class="log" ref={box} onScroll={onScroll} data-testid="log">
        {earlier || dropped.current > 0 ? (
          <div class="log-line system">⋯ earlier output not shown here: `claudine logs {props.taskId}` prints all of it</div>
        ) : null}
        {shown.map((line) => (
          <div key={line.key} class={`log-line ${line.stream}`}>
            {line.text === '' ? '\u00a0' : line.text}
          </div>
        ))}
        {shown.length === 0 && phase !== 'connecting' ? (
          <div class="log-empty">{props.running ? 'No output yet.' : 'No output.'}</div>
        ) : null}
      </div>
      {note === null ? null : <div class={`log-note ${phase === 'failed' ? 'error' : ''}`}>{note}</div>}
    </div>
  );
}
