import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitRepository, createTempDir, type GitRepository, type TempDir, waitFor } from '@claudine/test-utils';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTool, connectServer, resultText, stopHost } from './mcp-server.test-helper.js';

let temp: TempDir;
let home: string;
let repository: GitRepository;
let client: Client;

beforeEach(async () => {
  temp = createTempDir();
  home = join(temp.path, 'home');
  repository = createGitRepository();
  client = await connectServer(home, repository.path);
});

afterEach(async () => {
  await client.close();
  await stopHost(home);
  repository.remove();
  temp.remove();
});

interface Summary {
  id: string;
  status: string;
  worktree: { branch: string; headCommit: string | null; filesChanged: number | null; mergedInto: string | null; removed: boolean } | null;
}

async function delegate(prompt: string): Promise<string> {
  const result = await callTool(client, 'DelegateTask', { prompt, agent: 'command', worktree: true });
  expect(result.isError, resultText(result)).toBeFalsy();
  expect(resultText(result)).toContain('its own worktree');
  return (result.structuredContent as { taskId: string }).taskId;
}

async function completed(taskId: string): Promise<Summary> {
  return waitFor(
    async () => {
      const result = await callTool(client, 'TaskStatus', { taskId });
      const task = (result.structuredContent as { tasks: Summary[] }).tasks[0];
      return task?.status === 'completed' ? task : undefined;
    },
    { description: `task ${taskId} to complete`, timeoutMs: 30_000 },
  );
}

describe('worktree tasks over MCP', () => {
  it('fans out three worktree tasks, reads a diff, merges the preferred one, and reports a conflict that changes nothing', async () => {
    const ids = [
      await delegate("sed -i 's/^line 2$/line 2 in style A/' src/shared.txt"),
      await delegate("sed -i 's/^line 2$/line 2 in style B/' src/shared.txt"),
      await delegate("sed -i 's/^line 2$/line 2 in style C/' src/shared.txt"),
    ];
    const tasks = await Promise.all(ids.map(completed));
    for (const task of tasks) expect(task.worktree).toMatchObject({ branch: `claudine/${task.id}`, filesChanged: 1, mergedInto: null });
    const listed = await callTool(client, 'ListTasks', {});
    expect(resultText(listed)).toBeTruthy();

    const diff = await callTool(client, 'TaskDiff', { taskId: ids[1] });
    expect(diff.isError, resultText(diff)).toBeFalsy();
    const content = diff.structuredContent as { files: Array<{ path: string }>; patch: string; nextOffset: number | null };
    expect(content.files.map((file) => file.path)).toEqual(['src/shared.txt']);
    expect(content.patch).toContain('+line 2 in style B');
    expect(content.nextOffset).toBeNull();

    const tools = await client.listTools();
    expect(tools.tools.find((tool) => tool.name === 'MergeTask')?.annotations?.destructiveHint).toBe(true);
    const merged = await callTool(client, 'MergeTask', { taskId: ids[1] });
    expect(merged.isError, resultText(merged)).toBeFalsy();
    expect(readFileSync(join(repository.path, 'src/shared.txt'), 'utf8')).toContain('line 2 in style B');
    const after = await completed(ids[1] as string);
    expect(after.worktree).toMatchObject({ mergedInto: 'main', removed: true });

    const head = repository.revParse();
    const conflict = await callTool(client, 'MergeTask', { taskId: ids[0] });
    expect(conflict.isError).toBe(true);
    expect(resultText(conflict)).toContain('src/shared.txt');
    expect(repository.revParse()).toBe(head);
  });
});
