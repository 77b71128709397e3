import { isTerminalStatus } from '@claudine/core';
import { type Claudine, openClaudine } from '@claudine/runtime';
import { waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTool, serverEnvironment } from './mcp-server.test-helper.js';
import { useMcpHome } from './mcp-session.test-helper.js';

const mcp = useMcpHome();
let claudine: Claudine;

beforeEach(() => {
  claudine = openClaudine({ home: mcp.home, environment: serverEnvironment(mcp.home, { HOST_ONLY_SECRET: 'host-secret' }) });
});

afterEach(() => {
  claudine.close();
});

describe('a task submitted over MCP', () => {
  it("runs with the MCP server's environment, not the host's, and no tool shows it", async () => {
    // The host is started first, from an environment with a secret of its own.
    expect((await claudine.ensureHost()).started).toBe(true);
    const session = await mcp.open({ settings: { MCP_SERVER_TOKEN: 'mcp-secret' } });
    const delegated = await callTool(session.client, 'DelegateTask', { prompt: 'env', agent: 'command' });
    const id = (delegated.structuredContent as { taskId: string }).taskId;
    const task = await waitFor(
      async () => {
        const current = await claudine.get(id);
        return isTerminalStatus(current.status) ? current : undefined;
      },
      { description: 'the task to finish' },
    );
    expect(task.status).toBe('completed');
    const output = (await claudine.output.read(id, { streams: ['stdout'] })).records.map((record) => record.text).join('');
    expect(output).toContain('MCP_SERVER_TOKEN=mcp-secret\n');
    expect(output).toContain(`CLAUDINE_TASK_ID=${id}\n`);
    expect(output).not.toContain('HOST_ONLY_SECRET');
    for (const [name, args] of [
      ['TaskStatus', { taskId: id }],
      ['TaskStatus', {}],
      ['ListTasks', {}],
    ] as const) {
      expect(JSON.stringify(await callTool(session.client, name, args))).not.toContain('mcp-secret');
    }
  });
});
