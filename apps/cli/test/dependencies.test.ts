import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { useCliSession } from './session.test-helper.js';

const session = useCliSession();
const { cli, task, waitForStatus } = session;
const orderLog = (): string => join(session.workdir, 'order.log');

async function submit(command: string, ...flags: string[]): Promise<string> {
  const run = await cli(['run', '--agent', 'command', ...flags, command]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return run.stdout.trim();
}

const ran = () => (existsSync(orderLog()) ? readFileSync(orderLog(), 'utf8').split('\n').filter(Boolean) : []);

const GraphSchema = z.object({
  nodes: z.array(z.object({ id: z.string(), state: z.string(), dependsOn: z.array(z.string()), blockedBy: z.array(z.string()) })),
  edges: z.array(z.object({ from: z.string(), to: z.string() })),
  truncated: z.boolean(),
});

describe('workflows from the CLI', () => {
  it('runs a diamond of command tasks in dependency order, and draws and exports its graph', async () => {
    const build = await submit(`echo build >> ${orderLog()}`);
    const unit = await submit(`echo unit >> ${orderLog()}`, '--depends-on', build);
    const lint = await submit(`echo lint >> ${orderLog()}`, '-d', build);
    const review = await submit(`echo review >> ${orderLog()}`, '-d', `${unit},${lint}`);
    const finished = await waitForStatus(review, ['completed', 'failed', 'cancelled']);
    expect(finished).toMatchObject({ status: 'completed', dependsOn: [unit, lint].sort() });
    const order = ran();
    expect(order[0]).toBe('build');
    expect(order.slice(1, 3).sort()).toEqual(['lint', 'unit']);
    expect(order[3]).toBe('review');

    const tree = await cli(['graph', unit]);
    expect(tree.code).toBe(0);
    const lines = tree.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^✓ ${build}  completed  echo build`));
    expect(tree.stdout).toMatch(new RegExp(`[├└]─ ✓ ${unit}  completed`));
    expect(tree.stdout).toMatch(new RegExp(`[├└]─ ✓ ${review}  completed`));
    expect(tree.stdout).toContain(`↑ ${review} (drawn above)`);
    expect(tree.stdout).toContain('4 tasks: 4 completed');
    expect(tree.stdout).not.toContain('\u001b[');

    const mermaid = await cli(['graph', review, '--format', 'mermaid']);
    expect(mermaid.stdout.split('\n')[0]).toBe('flowchart TD');
    for (const [from, to] of [
      [build, unit],
      [build, lint],
      [unit, review],
      [lint, review],
    ]) {
      expect(mermaid.stdout).toContain(`t_${from} --> t_${to}`);
    }
    const dot = await cli(['graph', review, '--format', 'dot']);
    expect(dot.stdout).toContain(`"${lint}" -> "${review}";`);
    const json = GraphSchema.parse(JSON.parse((await cli(['graph', build, '--json'])).stdout));
    expect(json.nodes.map((node) => node.id)).toEqual([build, unit, lint, review]);
    expect(json.edges).toHaveLength(4);
    expect(json.truncated).toBe(false);
  });

  it('fails the dependents of a failing root (exit 126 for a waiting run), and a retry runs them all', async () => {
    const root = await submit(`test -f ${join(session.workdir, 'ready')} && echo root >> ${orderLog()}`);
    const middle = await submit(`echo middle >> ${orderLog()}`, '-d', root);
    const waited = await cli(['run', '--agent', 'command', '--wait', '-d', middle, `echo last >> ${orderLog()}`]);
    expect(waited.code).toBe(126);
    expect(waited.stderr).toContain(`failed: dependency ${middle} failed because task ${root} failed`);
    expect(await task(middle)).toMatchObject({ status: 'failed', failureReason: 'dependency_failed' });
    expect(ran()).toEqual([]);
    const details = await cli(['status', middle]);
    expect(details.stdout).toMatch(/status\s+failed \(dependency_failed\)/);
    expect(details.stdout).toContain(`dependency ${root} failed`);

    const refused = await cli(['retry', middle]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`retry ${root} instead`);
    writeFileSync(join(session.workdir, 'ready'), '');
    const retried = await cli(['retry', root]);
    expect(retried).toMatchObject({ code: 0, stdout: `${root} queued again\n` });
    const last = JSON.parse((await cli(['graph', root, '--json'])).stdout) as z.infer<typeof GraphSchema>;
    const lastId = last.nodes[2]?.id as string;
    expect((await waitForStatus(lastId, ['completed', 'failed'])).status).toBe('completed');
    expect(ran()).toEqual(['root', 'middle', 'last']);
  });

  it('shows blocked tasks and what they wait for, changes dependencies, and refuses a cycle naming it', async () => {
    // Runs until the test creates `go` (checked every 50 ms), and no longer.
    const gate = await submit(`until test -f ${join(session.workdir, 'go')}; do sleep 0.05; done`);
    const first = await submit('true', '-d', gate);
    const second = await submit('true', '-d', first, '--on-dependency-failure', 'run', '--pass-results');
    await waitForStatus(gate, ['running']);
    const table = await cli(['ls']);
    expect(table.stdout).toMatch(new RegExp(`${first}\\s+blocked\\s+command`));
    expect(table.stdout).toMatch(new RegExp(`${gate}\\s+running\\s+command`));
    const details = await cli(['status', second]);
    expect(details.stdout).toMatch(new RegExp(`depends on\\s+${first} \\(if one fails: run\\)`));
    expect(details.stdout).toMatch(new RegExp(`waits for\\s+${first}`));
    expect(details.stdout).toContain('receives the results of its dependencies');

    const cycle = await cli(['deps', first, '--add', second]);
    expect(cycle.code).toBe(4);
    expect(cycle.stderr).toContain(`${first} → ${second} → ${first}`);
    const started = await cli(['deps', gate, '--add', second]);
    expect(started.code).toBe(4);
    expect(started.stderr).toContain(`Task ${gate} is running: only a queued task's dependencies can change`);
    const self = await cli(['deps', first, '--add', first]);
    expect(self.code).toBe(4);
    expect(self.stderr).toContain('cannot depend on itself');
    const unknown = await cli(['deps', first, '--add', 'aaaaaaaaaa']);
    expect(unknown.code).toBe(3);

    const other = await submit('true', '-d', gate);
    const changed = await cli(['deps', second, '--add', other]);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toContain(`waits for ${other}`);
    const tree = await cli(['graph', gate]);
    expect(tree.stdout).toContain(`◌ ${second}  blocked (waits on ${[first, other].sort().join(', ')})`);
    expect((await cli(['graph'])).stdout).toContain(`● ${gate}  running`);
    writeFileSync(join(session.workdir, 'go'), '');
    expect((await waitForStatus(second, ['completed', 'failed'])).status).toBe('completed');
    const late = await cli(['deps', second, '--remove', first]);
    expect(late.code).toBe(4);
    expect(late.stderr).toContain('only a queued task');
  });

  it('continues a workflow after its host is killed mid-chain: the new host re-runs the lost task, then the rest', async () => {
    const a = await submit(`echo a >> ${orderLog()}`);
    const b = await submit(`test -f ${join(session.workdir, 'go')} || sleep 60; echo b >> ${orderLog()}`, '-d', a);
    const c = await submit(`echo c >> ${orderLog()}`, '-d', b);
    await waitForStatus(b, ['running']);
    const status = JSON.parse((await cli(['host', 'status', '--json'])).stdout) as { host: { pid: number } };
    process.kill(status.host.pid, 'SIGKILL');
    await waitFor(() => !isProcessAlive(status.host.pid), { description: 'the host to die' });
    expect(await task(c)).toMatchObject({ status: 'queued', blockedBy: [b] });

    writeFileSync(join(session.workdir, 'go'), '');
    expect((await cli(['host', 'start'])).code).toBe(0);
    // Recovery queued `b` again (it has retries left); `c` waited for it and runs after it.
    expect((await waitForStatus(c, ['completed', 'failed'])).status).toBe('completed');
    expect(await task(b)).toMatchObject({ status: 'completed', attempt: 2 });
    expect(ran()).toEqual(['a', 'b', 'c']);
  });

  it('fails the rest of a workflow whose task crashed with no retries left, and a retry resumes it', async () => {
    const a = await submit(`echo a >> ${orderLog()}`);
    const b = await submit(`test -f ${join(session.workdir, 'go')} || sleep 60; echo b >> ${orderLog()}`, '-d', a, '--retries', '0');
    const c = await submit(`echo c >> ${orderLog()}`, '-d', b);
    await waitForStatus(b, ['running']);
    const status = JSON.parse((await cli(['host', 'status', '--json'])).stdout) as { host: { pid: number } };
    process.kill(status.host.pid, 'SIGKILL');
    await waitFor(() => !isProcessAlive(status.host.pid), { description: 'the host to die' });

    expect((await cli(['host', 'start'])).code).toBe(0);
    expect(await waitForStatus(b, ['failed'])).toMatchObject({ failureReason: 'crashed' });
    expect(await task(c)).toMatchObject({ status: 'failed', failureReason: 'dependency_failed', statusDetail: `dependency ${b} failed` });
    writeFileSync(join(session.workdir, 'go'), '');
    expect((await cli(['retry', b])).code).toBe(0);
    expect((await waitForStatus(c, ['completed', 'failed'])).status).toBe('completed');
    expect(ran()).toEqual(['a', 'b', 'c']);
  });
});
