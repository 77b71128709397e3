import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CallToolResult, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { type Benchmark, type Figure, median, percentile } from '../harness.js';
import { benchWorkdir, startBenchHost } from '../support/bench-host.js';

const TASKS = 30;
const serverPath = fileURLToPath(new URL('../../../../apps/mcp/bin/claudine-mcp.cjs', import.meta.url));

/**
 * How soon an MCP client hears that a task finished: the log notification and the return of
 * WaitForTasks, both driven by the host's change signal through the server's shared watch,
 * against the runtime client's own waitForTask in the benchmark process.
 */
export const mcpNotify: Benchmark = {
  name: 'mcp-notify',
  description: `Lag from a task's recorded end (finishedAt) to the MCP client hearing of it, over stdio through a real server and host: the log notification a delegating session gets, and WaitForTasks returning; ${TASKS} command tasks (\`true\`) one after another. Baseline: \`claudine.waitForTask\` in the benchmark process on the same host.`,
  async run({ scratch, log }) {
    const workdir = benchWorkdir(scratch);
    const home = join(scratch, 'home');
    const host = await startBenchHost(home, {}, workdir);
    const environment = Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const client = new Client({ name: 'bench', version: '0' });
    const heard = new Map<string, number>();
    const waiting = new Map<string, () => void>();
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      const id = /^Task (\w{10}) /.exec(String(notification.params.data))?.[1];
      if (id === undefined) return;
      heard.set(id, Date.now());
      waiting.get(id)?.();
    });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [serverPath],
        env: { ...environment, CLAUDINE_HOME: home },
        cwd: workdir,
      }),
    );
    const notified: number[] = [];
    const waited: number[] = [];
    const baseline: number[] = [];
    try {
      for (let index = 0; index < TASKS; index += 1) {
        const delegated = (await client.callTool({
          name: 'DelegateTask',
          arguments: { prompt: 'true', agent: 'command' },
        })) as CallToolResult;
        const { taskId } = delegated.structuredContent as { taskId: string };
        const notice = new Promise<void>((resolve) => {
          if (heard.has(taskId)) resolve();
          else waiting.set(taskId, resolve);
        });
        await client.callTool({ name: 'WaitForTasks', arguments: { taskIds: [taskId] } });
        const returnedAt = Date.now();
        await notice;
        const finishedAt = (await host.claudine.get(taskId)).finishedAt ?? Number.NaN;
        waited.push(returnedAt - finishedAt);
        notified.push((heard.get(taskId) ?? Number.NaN) - finishedAt);

        const { task } = await host.claudine.submit({ prompt: 'true', agent: 'command', cwd: workdir });
        const done = await host.claudine.waitForTask(task.id);
        baseline.push(Date.now() - (done.finishedAt ?? Number.NaN));
      }
    } finally {
      await client.close();
      await host.stop();
    }
    log(`notified ${notified.join(', ')}; waited ${waited.join(', ')}; baseline ${baseline.join(', ')}`);
    const figures: Figure[] = [];
    for (const [label, samples] of [
      ['log notification', notified],
      ['WaitForTasks return', waited],
    ] as const) {
      figures.push(
        {
          metric: `${label}, median lag`,
          value: median(samples),
          unit: 'ms',
          baseline: median(baseline),
          baselineLabel: 'waitForTask in process',
          better: 'lower',
        },
        {
          metric: `${label}, 95th percentile lag`,
          value: percentile(samples, 95),
          unit: 'ms',
          baseline: percentile(baseline, 95),
          baselineLabel: 'waitForTask in process',
          target: '< 500 ms (no polling: signal driven)',
          better: 'lower',
        },
      );
    }
    return figures;
  },
};
