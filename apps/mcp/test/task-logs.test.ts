import { describe, expect, it } from 'vitest';
import type { TaskLogsAnswer } from '../src/tools/task-logs.js';
import { resultText, waitForTaskStatus } from './mcp-server.test-helper.js';
import { useMcpSession } from './mcp-session.test-helper.js';

// TaskLogs over a real server and host: a bounded tail, and offsets to get more.

const mcp = useMcpSession({ settings: { CLAUDINE_OUTPUT_SEGMENT_BYTES: '16KiB' } });
const call = mcp.call;

async function logs(args: Record<string, unknown>): Promise<TaskLogsAnswer & { message: string }> {
  const result = await call('TaskLogs', args);
  expect(result.isError).toBeFalsy();
  return { ...(result.structuredContent as unknown as TaskLogsAnswer), message: resultText(result) };
}

async function delegateAndWait(args: Record<string, unknown>): Promise<string> {
  const delegated = await call('DelegateTask', args);
  const { taskId } = delegated.structuredContent as { taskId: string };
  await waitForTaskStatus(mcp.client, taskId, ['completed', 'failed']);
  return taskId;
}

const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => String(from + index));

describe('TaskLogs', () => {
  it('returns a bounded tail and the offsets to page back and forward without gaps', async () => {
    const taskId = await delegateAndWait({ prompt: 'seq 1 30000', agent: 'command' });
    const tail = await logs({ taskId, stream: 'stdout', lines: 500 });
    expect(tail.text.split('\n')).toEqual(numbered(29501, 30000));
    expect(tail).toMatchObject({ lineCount: 500, earlierOutput: true, laterOutput: false, truncated: false });
    expect(tail.message).toContain(`Earlier output: call TaskLogs with before=${tail.startOffset}.`);
    // Page back to the start.
    const pages = [tail.text];
    let before = tail.startOffset;
    for (let guard = 0; guard < 200 && before > 0; guard += 1) {
      const page = await logs({ taskId, stream: 'stdout', lines: 500, before });
      expect(Buffer.byteLength(page.text)).toBeLessThanOrEqual(16 * 1024);
      pages.unshift(page.text);
      before = page.startOffset;
    }
    expect(pages.join('\n').split('\n')).toEqual(numbered(1, 30000));
    // And forward from any offset.
    const forward = await logs({ taskId, stream: 'stdout', offset: 0, lines: 100 });
    expect(forward.text.split('\n')).toEqual(numbered(1, 100));
    expect(forward).toMatchObject({ startOffset: 0, laterOutput: true, truncated: false });
    expect(forward.message).toContain(`More output: call TaskLogs with offset=${forward.nextOffset}.`);
    const forwardPages = [forward.text];
    let offset = forward.nextOffset;
    for (let guard = 0; guard < 200; guard += 1) {
      const page = await logs({ taskId, stream: 'stdout', offset, lines: 500 });
      forwardPages.push(page.text);
      offset = page.nextOffset;
      if (!page.laterOutput) break;
    }
    expect(forwardPages.join('\n').split('\n')).toEqual(numbered(1, 30000));
  });

  it('keeps a long claude transcript within 16 KB and says how to get the rest', async () => {
    const taskId = await delegateAndWait({ prompt: 'Talk a lot [[fake: flood 200000; say The end; succeed Done]]' });
    const tail = await logs({ taskId, lines: 500 });
    expect(Buffer.byteLength(tail.text)).toBeLessThanOrEqual(16 * 1024);
    expect(tail.text).toContain('The end');
    expect(tail.text).toContain('✓ done');
    expect(tail.text).not.toContain('"type"');
    expect(tail.earlierOutput).toBe(true);
    // Paging back through the transcript always moves on, and reaches the start.
    let before = tail.startOffset;
    let pages = 1;
    for (; before > 0 && pages < 200; pages += 1) {
      const page = await logs({ taskId, lines: 40, before });
      expect(page.startOffset).toBeLessThan(before);
      before = page.startOffset;
    }
    expect(before).toBe(0);
    expect(pages).toBeGreaterThan(2);
    const raw = await logs({ taskId, lines: 3, raw: true, stream: 'stdout' });
    expect(raw.text.split('\n')).toHaveLength(3);
    expect(raw.text).toContain('"type":"result"');
    const first = await logs({ taskId, offset: 0, lines: 5 });
    expect(first.text).toContain('session');
    expect(first.laterOutput).toBe(true);
  });
});
