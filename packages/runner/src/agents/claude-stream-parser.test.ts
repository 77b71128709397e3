import { describe, expect, it } from 'vitest';
import { createClaudeStreamParser } from './claude-stream-parser.js';

function parse(events: readonly object[], exitCode: number) {
  const parser = createClaudeStreamParser();
  for (const event of events) parser.line(JSON.stringify(event));
  return parser.finish({ exitCode, signal: null });
}

const init = { type: 'system', subtype: 'init', session_id: 's1', model: 'claude-x' };
const retry = (error: string, status: number) => ({ type: 'system', subtype: 'api_retry', error, error_status: status, session_id: 's1' });
const said = { type: 'assistant', message: { model: 'claude-x', content: [{ type: 'text', text: 'ok' }] }, session_id: 's1' };

describe('claude stream parser: transient failures', () => {
  it('counts an exit while retrying a rate limit or overload as transient', () => {
    expect(parse([init, retry('rate_limit', 429)], 1)).toMatchObject({ isError: true, transient: true, errorKind: 'rate_limit' });
    expect(parse([init, retry('overloaded', 529)], 1)?.transient).toBe(true);
  });

  it('does not when the retry succeeded before the run failed for another reason', () => {
    const result = { type: 'result', subtype: 'error_max_turns', is_error: true, num_turns: 3, session_id: 's1' };
    expect(parse([init, retry('rate_limit', 429), said, result], 1)).toMatchObject({ transient: false, errorKind: 'error_max_turns' });
    expect(parse([init, retry('rate_limit', 429), said], 1)?.transient).toBe(false);
  });

  it('does not retry what is not worth retrying, nor a run that succeeded', () => {
    expect(parse([init, retry('invalid_request', 400)], 1)?.transient).toBe(false);
    expect(parse([init, retry('rate_limit', 429), said], 0)?.transient).toBe(false);
  });
});

describe('claude stream parser: the agent’s own words for a failure', () => {
  it('gives the text of an assistant error as the result when no result came', () => {
    const refused = {
      type: 'assistant',
      error: 'authentication_failed',
      message: { model: '<synthetic>', content: [{ type: 'text', text: 'Not logged in · Please run /login' }] },
      session_id: 's1',
    };
    expect(parse([init, refused], 1)).toMatchObject({
      isError: true,
      errorKind: 'authentication_failed',
      resultText: 'Not logged in · Please run /login',
    });
    // A result says it better when there is one; a run that went on after the error keeps none of it.
    const result = { type: 'result', subtype: 'success', is_error: true, result: 'Not logged in', session_id: 's1' };
    expect(parse([init, refused, result], 1)?.resultText).toBe('Not logged in');
    expect(parse([init, refused, said], 0)).toMatchObject({ isError: false, resultText: null });
  });
});

describe('claude stream parser: the session', () => {
  it('knows the session from the init event on, before any result', () => {
    const parser = createClaudeStreamParser();
    expect(parser.sessionId?.()).toBeNull();
    parser.line(JSON.stringify(init));
    expect(parser.sessionId?.()).toBe('s1');
  });
});
