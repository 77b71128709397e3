import type { Task } from '@claudine/core';
import { formatDuration } from '@claudine/runtime';
import { displayStatus } from './format-task.js';
import { paint, type Terminal, truncate } from './terminal.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;
const CLEAR_LINE = '\r\u001b[2K';

/** Options for {@link createProgress}. */
export interface ProgressOptions {
  /** The terminal of `write`'s stream (stderr). */
  readonly terminal: Terminal;
  readonly write?: (text: string) => void;
  /** Without a terminal: print a plain line when the state changes (and now and then while it lasts). */
  readonly plainLines: boolean;
  /** Time between plain "still running" lines. */
  readonly heartbeatMs?: number;
  readonly now?: () => number;
}

/**
 * Live progress of a task being waited for, on stderr. On a terminal: one status line with a
 * spinner, the state and the time it has lasted, redrawn in place and moved out of the way
 * whenever output is printed. Elsewhere: a plain line for each change of state, and one every
 * `heartbeatMs` while a state lasts, so a log shows the wait is alive.
 */
export interface Progress {
  /** The task as last read. */
  update(task: Task): void;
  /**
   * Runs `print` (which writes output) with the status line out of its way, and redraws the line
   * once `print` (and its promise, if it returns one) is done.
   */
  around(print: () => void | Promise<void>): Promise<void>;
  /** Removes the status line for good. */
  stop(): void;
}

/** Creates a {@link Progress} for one task. */
export function createProgress(options: ProgressOptions): Progress {
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const now = options.now ?? Date.now;
  const { terminal } = options;
  const waitingSince = now();
  let task: Task | undefined;
  let frame = 0;
  let drawn = false;
  let stopped = false;
  // While output is being printed (and drained), the status line stays out of its way.
  let printing = false;
  let lastState = '';
  let stateSince = now();
  let timer: NodeJS.Timeout | undefined;

  const state = (value: Task): string => `${displayStatus(value)}#${value.attempt}`;

  function line(): string {
    if (task === undefined) return '';
    const status = displayStatus(task);
    const since = task.status === 'running' && task.startedAt !== null ? task.startedAt : waitingSince;
    const elapsed = Math.max(0, now() - since);
    // Whole seconds: a figure that changes ten times a second is noise.
    const parts = [`${task.id} ${status}`, elapsed < 60_000 ? `${Math.floor(elapsed / 1000)} s` : formatDuration(elapsed)];
    if (status === 'blocked') parts.push(`waits for ${task.blockedBy.join(', ')}`);
    if (status === 'retrying' && task.notBefore !== null)
      parts.push(`next attempt in ${formatDuration(Math.max(0, task.notBefore - now()))}`);
    if (task.status === 'running' && task.attempt > 1) parts.push(`attempt ${task.attempt}`);
    if (task.warnedAt !== null && task.status === 'running') parts.push('near its timeout');
    return parts.join(' · ');
  }

  function draw(): void {
    if (stopped || printing || task === undefined) return;
    frame = (frame + 1) % FRAMES.length;
    const text = truncate(line(), Math.max(10, terminal.width - 3));
    write(`${CLEAR_LINE}${paint(terminal, 'cyan', FRAMES[frame] ?? '')} ${paint(terminal, 'dim', text)}`);
    drawn = true;
  }

  function clear(): void {
    if (drawn) write(CLEAR_LINE);
    drawn = false;
  }

  function plain(text: string): void {
    write(`claudine: ${text}\n`);
  }

  if (terminal.interactive) {
    timer = setInterval(draw, 100);
    timer.unref();
  } else if (options.plainLines) {
    timer = setInterval(() => {
      if (task === undefined || stopped) return;
      plain(`task ${task.id} still ${displayStatus(task)} after ${formatDuration(now() - stateSince)}`);
    }, options.heartbeatMs ?? 60_000);
    timer.unref();
  }

  return {
    update(next) {
      if (stopped) return;
      const previous = lastState;
      task = next;
      lastState = state(next);
      if (lastState !== previous) stateSince = now();
      if (terminal.interactive) {
        if (!drawn) draw();
        return;
      }
      if (!options.plainLines || lastState === previous) return;
      const status = displayStatus(next);
      if (status === 'blocked') plain(`task ${next.id} is blocked: it waits for ${next.blockedBy.join(', ')}`);
      else if (status === 'retrying') plain(`task ${next.id} will be retried (attempt ${next.attempt + 1})`);
      else if (next.status === 'running') plain(`task ${next.id} is running${next.attempt > 1 ? ` (attempt ${next.attempt})` : ''}`);
      else if (next.status === 'queued') plain(`task ${next.id} is queued`);
    },
    async around(print) {
      if (!terminal.interactive || stopped) {
        await print();
        return;
      }
      clear();
      printing = true;
      try {
        await print();
      } finally {
        printing = false;
      }
      draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      if (terminal.interactive) clear();
    },
  };
}
