import { describe, expect, it } from 'vitest';
import { TASK_STATUSES } from './task.js';
import { TASK_EVENTS, transition } from './task-state.js';

describe('task state machine', () => {
  const legal: Record<string, string> = {
    'queued/claim': 'running',
    'queued/fail': 'failed',
    'queued/cancel': 'cancelled',
    'running/complete': 'completed',
    'running/fail': 'failed',
    'running/cancel': 'cancelled',
    'running/requeue': 'queued',
    'failed/retry': 'queued',
    'cancelled/retry': 'queued',
  };

  for (const from of TASK_STATUSES) {
    for (const event of TASK_EVENTS) {
      const expected = legal[`${from}/${event}`];
      it(`${event} from ${from} ${expected === undefined ? 'is refused' : `leads to ${expected}`}`, () => {
        const result = transition(from, event);
        if (expected === undefined) {
          expect(result.ok).toBe(false);
          if (!result.ok) {
            expect(result.error.kind).toBe('illegal_transition');
            expect(result.error.message).toContain(`cannot ${event} a task that is ${from}`);
          }
        } else {
          expect(result).toEqual({ ok: true, value: expected });
        }
      });
    }
  }

  it('never leaves completed', () => {
    for (const event of TASK_EVENTS) expect(transition('completed', event).ok).toBe(false);
  });
});
