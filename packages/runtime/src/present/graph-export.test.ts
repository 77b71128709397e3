import type { Task } from '@claudine/core';
import { taskFixture } from '@claudine/task-fixtures';
import { describe, expect, it } from 'vitest';
import { graphDocument, renderDot, renderMermaid } from './graph-export.js';

let seq = 0;
function task(id: string, overrides: Partial<Task> = {}): Task {
  seq += 1;
  return taskFixture({ id, seq, prompt: `step ${id}`, timeoutMs: 1000, createdAt: 0, updatedAt: 0, ...overrides });
}

const diamond = {
  tasks: [
    task('aaaaaaaaaa', { status: 'completed', prompt: 'echo "build" & <done> #1' }),
    task('bbbbbbbbbb', { status: 'running', dependsOn: ['aaaaaaaaaa'] }),
    task('cccccccccc', { status: 'failed', dependsOn: ['aaaaaaaaaa'] }),
    task('dddddddddd', { dependsOn: ['bbbbbbbbbb', 'cccccccccc', 'zzzzzzzzzz'], blockedBy: ['bbbbbbbbbb'] }),
  ],
  truncated: true,
};

describe('graph export', () => {
  it('writes a Mermaid flowchart with escaped labels, edges in execution order and state colours', () => {
    const mermaid = renderMermaid(diamond);
    expect(mermaid.split('\n')[0]).toBe('flowchart TD');
    expect(mermaid).toContain('t_aaaaaaaaaa["aaaaaaaaaa · completed<br/>echo #quot;build#quot; #amp; #lt;done#gt; #35;1"]:::completed');
    expect(mermaid).toContain('t_dddddddddd["dddddddddd · blocked<br/>step dddddddddd"]:::blocked');
    expect(mermaid).toContain('  t_aaaaaaaaaa --> t_bbbbbbbbbb');
    expect(mermaid).toContain('  t_cccccccccc --> t_dddddddddd');
    // An edge to a task left out of a truncated graph is not drawn.
    expect(mermaid).not.toContain('zzzzzzzzzz');
    expect(mermaid).toContain('classDef blocked');
    expect(mermaid).not.toContain('classDef cancelled');
  });

  it('writes Graphviz DOT with escaped labels', () => {
    const dot = renderDot(diamond);
    expect(dot.startsWith('digraph claudine {')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    expect(dot).toContain('"aaaaaaaaaa" [label="aaaaaaaaaa · completed\\necho \\"build\\" & <done> #1"');
    expect(dot).toContain('"bbbbbbbbbb" -> "dddddddddd";');
    expect(dot.match(/->/g)).toHaveLength(4);
  });

  it('describes the graph as data', () => {
    const document = graphDocument(diamond);
    expect(document.edges).toHaveLength(4);
    expect(document.truncated).toBe(true);
    expect(document.nodes.map((node) => node.state)).toEqual(['completed', 'running', 'failed', 'blocked']);
  });
});
