import { describe, expect, it } from 'vitest';
import { renderClaudeTranscriptLine } from './claude-transcript.js';
import { createClaudeTranscriptRenderer } from './claude-transcript-reader.js';

const assistant = JSON.stringify({
  type: 'assistant',
  message: {
    content: [
      { type: 'text', text: 'Running the tests.' },
      { type: 'tool_use', name: 'Bash', input: { command: 'pnpm test', timeout: 60_000 } },
    ],
  },
});
const result = JSON.stringify({ type: 'result', num_turns: 2, total_cost_usd: 0.0123, result: 'All green.', is_error: false });

describe('claude transcript', () => {
  it('renders assistant text, a tool call by its telling argument, and the result', () => {
    expect(renderClaudeTranscriptLine(assistant)).toEqual(['Running the tests.', '→ Bash(pnpm test)']);
    expect(renderClaudeTranscriptLine(result)).toEqual(['✓ done (2 turns, $0.0123): All green.']);
    expect(renderClaudeTranscriptLine('{"type":"system","subtype":"hook_started"}')).toEqual([]);
    expect(renderClaudeTranscriptLine('not json')).toEqual(['not json']);
  });

  it('renders a stdout line split across records once it is complete, at the offset where it starts', () => {
    const renderer = createClaudeTranscriptRenderer();
    const line = `${assistant}\n`;
    const cut = 10;
    expect(renderer.push([{ stream: 'stdout', time: 1, text: line.slice(0, cut), offset: 100 }])).toEqual([]);
    const rest = [
      { stream: 'stdout' as const, time: 2, text: line.slice(cut), offset: 100 + cut },
      { stream: 'stderr' as const, time: 3, text: 'warning\n', offset: 100 + line.length },
    ];
    expect(renderer.push(rest)).toEqual([
      { stream: 'stdout', time: 2, text: 'Running the tests.\n→ Bash(pnpm test)\n', offset: 100 },
      rest[1],
    ]);
    expect(renderer.flush()).toEqual([]);
  });
});
