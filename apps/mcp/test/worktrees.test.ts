import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitRepository, type GitRepository } from '@claudine/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resultText, waitForTaskStatus } from './mcp-server.test-helper.js';
import { useMcpSession } from './mcp-session.test-helper.js';

let repository: GitRepository;
beforeEach(() => {
  repository = createGitRepository();
});
afterEach(() => {
  repository.remove();
});
const mcp = useMcpSession({ cwd: () => repository.path });

interface Summary {
  id: string;
  status: string;
  worktree: { branch: string; headCommit: string | null; filesChanged: number | null; mergedInto: string | null; removed: boolean } | null;
}

async function delegate(prompt: string): Promise<string> {
  const result = await mcp.call('DelegateTask', { prompt, agent: 'command', worktree: true });
  expect(result.isError, resultText(result)).toBeFalsy();
  expect(resultText(result)).toContain('its own worktree');
  return (result.structuredContent as { taskId: string }).taskId;
}

const completed = (taskId: string): Promise<Summary> => waitForTaskStatus<Summary>(mcp.client, taskId, ['completed']);

describe('worktree tasks over MCP', () => {
  it('fans out three worktree tasks, reads a diff, merges the preferred one, and reports a conflict that changes nothing', async () => {
    const ids = [
      await delegate("sed -i 's/^line 2$/line 2 in style A/' src/shared.txt"),
      await delegate("sed -i 's/^line 2$/line 2 in style B/' src/shared.txt"),
      await delegate("sed -i 's/^line 2$/line 2 in style C/' src/shared.txt"),
    ];
    const tasks = await Promise.all(ids.map(completed));
    for (const task of tasks) expect(task.worktree).toMatchObject({ branch: `claudine/${task.id}`, filesChanged: 1, mergedInto: null });
    const listed = await mcp.call('ListTasks', {});
    expect(resultText(listed)).toBeTruthy();

    const diff = await mcp.call('TaskDiff', { taskId: ids[1] });
    expect(diff.isError, resultText(diff)).toBeFalsy();
    const content = diff.structuredContent as { files: Array<{ path: string }>; patch: string; nextOffset: number | null };
    expect(content.files.map((file) => file.path)).toEqual(['src/shared.txt']);
    expect(content.patch).toContain('+line 2 in style B');
    expect(content.nextOffset).toBeNull();

    const tools = await mcp.client.listTools();
    expect(tools.tools.find((tool) => tool.name === 'MergeTask')?.annotations?.destructiveHint).toBe(true);
    const merged = await mcp.call('MergeTask', { taskId: ids[1] });
    expect(merged.isError, resultText(merged)).toBeFalsy();
    expect(readFileSync(join(repository.path, 'src/shared.txt'), 'utf8')).toContain('line 2 in style B');
    const after = await completed(ids[1] as string);
    expect(after.worktree).toMatchObject({ mergedInto: 'main', removed: true });

    const head = repository.revParse();
    const conflict = await mcp.call('MergeTask', { taskId: ids[0] });
    expect(conflict.isError).toBe(true);
    expect(resultText(conflict)).toContain('src/shared.txt');
    expect(repository.revParse()).toBe(head);
  });
});
