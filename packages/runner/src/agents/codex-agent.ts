import { type AgentReport, isObject, type TokenUsage } from '@claudine/core';
import type { Agent, AgentReportParser } from './agent.js';
import { taskEnvironment } from './agent.js';
import { jsonEventLine } from './json-event-line.js';

/** Options for {@link createCodexAgent}. */
export interface CodexAgentOptions {
  /** The `codex` executable (default `codex` on PATH). */
  readonly command?: string;
}

/**
 * The `codex` agent: `codex exec --json -` with the prompt on stdin, or `codex exec --json
 * resume <thread id> -` for a task that continues an earlier thread (`resumeSessionId`). Its
 * JSONL events give the thread id (as session id), the last agent message (as result) and
 * token usage per turn.
 */
export function createCodexAgent(options: CodexAgentOptions = {}): Agent {
  const command = options.command ?? 'codex';
  return {
    kind: 'codex',
    invocation(task, environment) {
      const args = ['exec', '--json', '--skip-git-repo-check'];
      if (task.agentOptions.model !== undefined) args.push('--model', task.agentOptions.model);
      if (task.agentOptions.sandbox !== undefined) args.push('--sandbox', task.agentOptions.sandbox);
      if (task.agentOptions.agentArgs !== undefined) args.push(...task.agentOptions.agentArgs);
      // A run that continues an earlier one (after a crash) resumes its thread: `exec resume`.
      if (task.agentOptions.resumeSessionId !== undefined) args.push('resume', task.agentOptions.resumeSessionId);
      args.push('-');
      return { command, args, env: taskEnvironment(task, environment), stdin: task.prompt };
    },
    createParser: createCodexEventParser,
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Parses `codex exec --json` events (thread.started, item.completed, turn.completed/failed, error). */
export function createCodexEventParser(): AgentReportParser {
  let sessionId: string | null = null;
  let resultText: string | null = null;
  let errorText: string | null = null;
  let turns = 0;
  let usage: TokenUsage | null = null;
  let sawEvent = false;

  return {
    line(text) {
      const event = jsonEventLine(text);
      if (event === undefined) return;
      sawEvent = true;
      switch (event.type) {
        case 'thread.started':
          if (typeof event.thread_id === 'string') sessionId = event.thread_id;
          break;
        case 'item.completed': {
          const item = event.item;
          if (!isObject(item)) break;
          const kind = item.type ?? item.item_type;
          if (kind === 'agent_message' && typeof item.text === 'string') resultText = item.text;
          break;
        }
        case 'turn.completed':
        case 'turn.failed': {
          turns += 1;
          if (isObject(event.usage)) {
            usage ??= { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
            usage.inputTokens += count(event.usage.input_tokens);
            usage.outputTokens += count(event.usage.output_tokens);
            usage.cacheReadInputTokens += count(event.usage.cached_input_tokens);
          }
          if (event.type === 'turn.failed' && isObject(event.error) && typeof event.error.message === 'string') {
            errorText = event.error.message;
          }
          break;
        }
        case 'error':
          if (typeof event.message === 'string') errorText = event.message;
          break;
      }
    },
    sessionId() {
      return sessionId;
    },
    finish({ exitCode }): AgentReport | null {
      if (!sawEvent) return null;
      const isError = errorText !== null || exitCode !== 0;
      const transient = errorText !== null && /rate.?limit|overloaded|\b429\b|\b5\d\d\b/i.test(errorText);
      return {
        sessionId,
        resultText: isError && errorText !== null ? errorText : resultText,
        isError,
        errorKind: errorText === null ? null : transient ? 'rate_limit' : 'error',
        transient,
        turns,
        costUsd: null,
        model: null,
        usage,
      };
    },
  };
}
