import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTerminalStatus } from '@claudine/core';
import { type Claudine, openClaudine } from '@claudine/runtime';
import { createTempDir, type TempDir, waitFor } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTool, openSession, serverEnvironment, stopHost, type TestSession } from './mcp-server.test-helper.js';

let temp: TempDir;
let home: string;
let workdir: string;
let session: TestSession | undefined;
let claudine: Claudine;

beforeEach(() => {
  temp = createTempDir();
  home = join(temp.path, 'home');
  workdir = join(temp.path, 'work');
  mkdirSync(workdir);
  claudine = openClaudine({ home, environment: serverEnvironment(home, { HOST_ONLY_SECRET: 'host-secret' }) });
});

afterEach(async () => {
  await session?.close();
  session = undefined;
  claudine.close();
  await stopHost(home);
  temp.remove();
});

describe('a task submitted over MCP', () => {
  it("runs with the MCP server's environment, not the host's, and no tool shows it", async () => {
    // The host is started first, from an environment with a secret of its own.
    expect((await claudine.ensureHost()).started).toBe(true);
    session = await openSession('stdio', home, workdir, { MCP_SERVER_TOKEN: 'mcp-secret' });
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
