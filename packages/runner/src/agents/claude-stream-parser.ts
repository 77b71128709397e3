import { isObject, type TokenUsage } from '@claudine/core';
import type { AgentReportParser } from './agent.js';
import { jsonEventLine } from './json-event-line.js';

// Assistant errors (SDKAssistantMessageError) that go away if the same request is made later.
const TRANSIENT_ERRORS = new Set(['rate_limit', 'overloaded', 'server_error']);
// HTTP statuses of the same kind, as reported in result.api_error_status.
const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504, 529]);

type Json = Record<string, unknown>;

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/**
 * Parses `claude -p --output-format stream-json --verbose` output (the message types of
 * @anthropic-ai/claude-agent-sdk): the init event gives the session and model, assistant errors
 * and api_retry events say whether a failure is transient, the result event gives the final
 * text, turns, cost and tokens. Lines that are not JSON are ignored.
 */
export function createClaudeStreamParser(): AgentReportParser {
  let sessionId: string | null = null;
  let model: string | null = null;
  let resultText: string | null = null;
  let isError = false;
  let errorKind: string | null = null;
  let transient = false;
  let turns: number | null = null;
  let costUsd: number | null = null;
  let usage: TokenUsage | null = null;
  let sawResult = false;
  // What the last assistant message that carried an error said (its text): the agent's own
  // words for a failure that ends without a result.
  let errorText: string | null = null;
  // Claude was retrying a rate limit or overload when last heard from: if it then exits
  // without a result, the failure is as transient as the error it was retrying.
  let retrying = false;

  function onResult(event: Json): void {
    sawResult = true;
    isError = event.is_error === true || (typeof event.subtype === 'string' && event.subtype !== 'success');
    if (typeof event.result === 'string') resultText = event.result;
    else if (Array.isArray(event.errors)) resultText = event.errors.filter((item) => typeof item === 'string').join('\n');
    if (isError && errorKind === null && typeof event.subtype === 'string' && event.subtype !== 'success') {
      errorKind = event.subtype;
    }
    if (typeof event.api_error_status === 'number' && TRANSIENT_STATUSES.has(event.api_error_status)) transient = true;
    turns = numberOr(event.num_turns, turns ?? 0);
    costUsd = numberOr(event.total_cost_usd, costUsd ?? 0);
    usage = tokenUsage(event) ?? usage;
    if (typeof event.session_id === 'string') sessionId = event.session_id;
  }

  return {
    line(text) {
      const event = jsonEventLine(text);
      if (event === undefined) return;
      if (typeof event.session_id === 'string' && sessionId === null) sessionId = event.session_id;
      switch (event.type) {
        case 'system':
          if (event.subtype === 'init' && typeof event.model === 'string') model = event.model;
          if (event.subtype === 'api_retry' && typeof event.error === 'string') {
            errorKind = event.error;
            retrying =
              TRANSIENT_ERRORS.has(event.error) || (typeof event.error_status === 'number' && TRANSIENT_STATUSES.has(event.error_status));
          }
          break;
        case 'assistant':
          if (typeof event.error === 'string') {
            errorKind = event.error;
            errorText = messageText(event.message) ?? errorText;
            if (TRANSIENT_ERRORS.has(event.error)) transient = true;
          } else if (retrying) {
            // The retry worked: that error is no longer what the run is about.
            retrying = false;
            errorKind = null;
          }
          if (isObject(event.message) && typeof event.message.model === 'string' && !event.message.model.startsWith('<')) {
            model = event.message.model;
          }
          break;
        case 'result':
          onResult(event);
          break;
      }
    },
    sessionId() {
      return sessionId;
    },
    finish({ exitCode }) {
      if (!sawResult && sessionId === null) return null;
      const failed = isError || (!sawResult && exitCode !== 0);
      return {
        sessionId,
        resultText: resultText ?? (failed ? errorText : null),
        isError: failed,
        errorKind,
        // A transient error only counts if the run failed because of it.
        transient: (transient || (retrying && !sawResult)) && (isError || exitCode !== 0),
        turns,
        costUsd,
        model,
        usage,
      };
    },
  };
}

// The text blocks of an assistant message, joined; null when it has none.
function messageText(message: unknown): string | null {
  if (!isObject(message) || !Array.isArray(message.content)) return null;
  const texts = message.content.filter((block) => isObject(block) && block.type === 'text' && typeof block.text === 'string');
  const text = texts.map((block) => (block as Json).text as string).join('\n');
  return text === '' ? null : text;
}

// Prefers modelUsage (every model call of the run, subagents included) over usage (main loop).
function tokenUsage(event: Json): TokenUsage | null {
  if (isObject(event.modelUsage) && Object.keys(event.modelUsage).length > 0) {
    const total: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 };
    for (const entry of Object.values(event.modelUsage)) {
      if (!isObject(entry)) continue;
      total.inputTokens += numberOr(entry.inputTokens, 0);
      total.outputTokens += numberOr(entry.outputTokens, 0);
      total.cacheReadInputTokens += numberOr(entry.cacheReadInputTokens, 0);
      total.cacheCreationInputTokens += numberOr(entry.cacheCreationInputTokens, 0);
    }
    return total;
  }
  if (isObject(event.usage)) {
    return {
      inputTokens: numberOr(event.usage.input_tokens, 0),
      outputTokens: numberOr(event.usage.output_tokens, 0),
      cacheReadInputTokens: numberOr(event.usage.cache_read_input_tokens, 0),
      cacheCreationInputTokens: numberOr(event.usage.cache_creation_input_tokens, 0),
    };
  }
  return null;
}
