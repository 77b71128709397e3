import { isObject } from '@claudine/core';

function brief(value: unknown, width = 120): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const flat = (text ?? '').replaceAll(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

// The most telling argument of common tools, for a one-line summary of the call.
function toolSummary(name: string, input: unknown): string {
  if (!isObject(input)) return name;
  const key = ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt'].find(
    (candidate) => typeof input[candidate] === 'string',
  );
  return key === undefined ? `${name}(${brief(input, 80)})` : `${name}(${brief(input[key], 100)})`;
}

/**
 * Turns one line of Claude's stream-json into readable transcript lines: assistant text as is,
 * tool calls summarised on one line, the final result with turns and cost. Returns an empty
 * array for events with nothing to show, and the line itself when it is not JSON.
 */
export function renderClaudeTranscriptLine(line: string): string[] {
  if (!line.startsWith('{')) return line.trim() === '' ? [] : [line];
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return [line];
  }
  if (!isObject(event)) return [];
  switch (event.type) {
    case 'system':
      if (event.subtype === 'init') return [`· session ${String(event.session_id)} · model ${String(event.model)} · ${String(event.cwd)}`];
      if (event.subtype === 'api_retry') return [`· API error (${String(event.error)}), retrying in ${String(event.retry_delay_ms)} ms`];
      return [];
    case 'assistant': {
      if (!isObject(event.message) || !Array.isArray(event.message.content)) return [];
      const lines: string[] = [];
      for (const block of event.message.content) {
        if (!isObject(block)) continue;
        if (block.type === 'text' && typeof block.text === 'string') lines.push(block.text);
        else if (block.type === 'tool_use') lines.push(`→ ${toolSummary(String(block.name), block.input)}`);
      }
      return lines;
    }
    case 'user': {
      if (!isObject(event.message) || !Array.isArray(event.message.content)) return [];
      const lines: string[] = [];
      for (const block of event.message.content) {
        if (!isObject(block) || block.type !== 'tool_result') continue;
        const content = Array.isArray(block.content)
          ? block.content.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join(' ')
          : block.content;
        lines.push(`${block.is_error === true ? '← error: ' : '← '}${brief(content)}`);
      }
      return lines;
    }
    case 'result': {
      const turns = typeof event.num_turns === 'number' ? `${event.num_turns} turn${event.num_turns === 1 ? '' : 's'}` : '';
      const cost = typeof event.total_cost_usd === 'number' ? `, $${event.total_cost_usd.toFixed(4)}` : '';
      const text =
        typeof event.result === 'string' ? event.result : Array.isArray(event.errors) ? event.errors.join('; ') : String(event.subtype);
      return [`${event.is_error === true ? '✗ failed' : '✓ done'} (${turns}${cost}): ${text}`];
    }
    default:
      return [];
  }
}
