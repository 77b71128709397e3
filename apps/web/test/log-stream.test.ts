import { waitFor } from '@claudine/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardFixture, startDashboardFixture } from './dashboard.test-helper.js';

// The log's event stream, read as a browser's EventSource would, without a browser.

let fixture: DashboardFixture;

beforeAll(async () => {
  fixture = await startDashboardFixture();
}, 60_000);

afterAll(async () => {
  await fixture?.close();
});

interface StreamEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: unknown;
}

/** Opens a log stream; `read()` resolves with the events that arrived so far and waits for more. */
async function openLog(taskId: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(`${fixture.origin}/api/tasks/${taskId}/log`, {
    headers: { authorization: `Bearer ${fixture.token}`, ...headers },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: StreamEvent[] = [];
  let buffer = '';
  let ended = false;
  const pump = async (): Promise<void> => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end === -1) break;
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)] as const),
        );
        if (fields.event !== undefined) events.push({ event: fields.event, id: fields.id, data: JSON.parse(fields.data ?? 'null') });
      }
    }
  };
  return {
    events,
    ended: () => ended,
    start: () => pump().catch(() => {}),
    close: () => controller.abort(),
  };
}

const text = (events: readonly StreamEvent[]) =>
  events
    .filter((event) => event.event === 'lines')
    .flatMap((event) => (event.data as { lines: Array<{ text: string }> }).lines.map((line) => line.text))
    .join('');

describe('the log stream', () => {
  it('gives the whole log of a finished task, then end; a reconnect from an event id continues exactly there', async () => {
    const { task } = await fixture.claudine.submit({
      prompt: 'for i in 1 2 3 4 5; do echo "line-$i"; done',
      agent: 'command',
      cwd: fixture.workdir,
    });
    await waitFor(async () => (await fixture.claudine.get(task.id)).status === 'completed', { timeoutMs: 30_000 });
    const whole = await openLog(task.id);
    await whole.start();
    expect(whole.events.map((event) => event.event)).toEqual(['start', 'lines', 'end']);
    expect(whole.events.at(-1)?.data).toEqual({ status: 'completed' });
    expect(text(whole.events)).toMatch(/line-1\nline-2\nline-3\nline-4\nline-5\n/);

    // A position inside the log, as a browser sends back the id of the last event it got.
    const slice = await fixture.claudine.output.read(task.id, { streams: ['stdout'] });
    const third = slice.records.find((record) => record.text.includes('line-3'));
    expect(third).toBeDefined();
    const at = (third?.offset ?? 0) + (third?.text.indexOf('line-3') ?? 0);
    const resumed = await openLog(task.id, { 'last-event-id': String(at) });
    await resumed.start();
    expect(text(resumed.events).startsWith('line-3\nline-4\nline-5\n')).toBe(true);
    expect(text(resumed.events)).not.toContain('line-2');
  });

  it('cuts off a reader that does not keep up with a flooding task (skipped), instead of buffering the flood', async () => {
    const { task } = await fixture.claudine.submit({
      prompt: `${JSON.stringify(process.execPath)} -e "const line = 'x'.repeat(1023) + '\\n'; for (let i = 0; i < 40 * 1024; i++) process.stdout.write(line)"; echo flood-done; sleep 60`,
      agent: 'command',
      cwd: fixture.workdir,
    });
    await waitFor(
      async () =>
        (await fixture.claudine.output.tail(task.id, 1, { streams: ['stdout'] })).records.some((record) =>
          record.text.includes('flood-done'),
        ),
      {
        description: '40 MiB of output, then flood-done',
        timeoutMs: 60_000,
      },
    );
    // Opened but not read: the server's writes back up.
    const stalled = await openLog(task.id, { 'last-event-id': '0' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await stalled.start();
    await waitFor(() => stalled.ended(), { description: 'the server to end the stream', timeoutMs: 30_000 });
    expect(stalled.events.at(-1)?.event).toBe('skipped');
    // It stopped long before sending the 40 MiB.
    expect(text(stalled.events).length).toBeLessThan(20 * 1024 * 1024);
    await fixture.claudine.cancel(task.id);
  });
});
