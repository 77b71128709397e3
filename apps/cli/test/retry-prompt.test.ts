import { describe, expect, it } from 'vitest';
import { PromptJson } from '../src/json-shapes.js';
import { useCliSession } from './session.test-helper.js';

// `claudine retry ID --prompt` runs a failed task again with edited instructions; `claudine
// status ID --prompt` shows the whole prompt its agent received.

const session = useCliSession();

describe('retry --prompt and status --prompt', () => {
  it('runs a failed task again with new instructions, which replace its prompt', async () => {
    const id = await session.submit('echo first; exit 3');
    expect((await session.waitForStatus(id, ['completed', 'failed'])).status).toBe('failed');
    const retried = await session.cli(['retry', id, '--prompt', 'echo second']);
    expect(retried.code).toBe(0);
    const done = await session.waitForStatus(id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.prompt).toBe('echo second');
    expect((await session.cli(['logs', id])).stdout).toContain('second');
    const shown = await session.cli(['status', id, '--prompt']);
    expect(shown.stdout).toBe('echo second\n');

    const empty = await session.cli(['retry', id, '--prompt', '   ']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('the prompt is empty');
    const several = await session.cli(['retry', id, id, '--prompt', 'echo x']);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('one task');
  }, 60_000);

  it("shows the prompt the agent received, with its dependencies' results", async () => {
    const dependency = await session.submit('echo the-dependency-said-this');
    const run = await session.cli(['run', '-d', dependency, '--pass-results', 'Summarise the results [[fake: echo-prompt]]']);
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    const done = await session.waitForStatus(id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const shown = await session.cli(['status', id, '--prompt', '--json']);
    const { prompt } = PromptJson.parse(JSON.parse(shown.stdout));
    expect(prompt).toContain('Summarise the results [[fake: echo-prompt]]');
    expect(prompt).toContain('the-dependency-said-this');
    // What the agent echoed is what the status shows.
    expect(done.report?.resultText).toBe(prompt);
    // Its own prompt is unchanged.
    expect(done.prompt).toBe('Summarise the results [[fake: echo-prompt]]');
    const noId = await session.cli(['status', '--prompt']);
    expect(noId.code).toBe(2);
  }, 60_000);
});
