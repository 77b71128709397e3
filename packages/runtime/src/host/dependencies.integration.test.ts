import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteTaskStore } from '@claudine/store-sqlite';
import { waitFor } from '@claudine/test-utils';
import { describe, expect, it } from 'vitest';
import type { Claudine } from '../client/claudine.js';
import { DEPENDENCY_RESULTS_VARIABLE } from './dependency-results.js';
import type { Host } from './host.js';
import { finished, useHostFixture } from './host-fixture.test-helper.js';

const fixture = useHostFixture();
const host = (extra: Record<string, string> = {}): Promise<Host> => fixture.host({ extra });
const client = (): Claudine => fixture.client();
// The shared log the steps append their names to.
const orderLog = (): string => join(fixture.workdir, 'order.log');

/** A command task that appends `name` to the shared log; `dependsOn` as given. */
function step(claudine: Claudine, name: string, dependsOn: string[] = [], extra: Partial<Parameters<Claudine['submit']>[0]> = {}) {
  return claudine.submit({ prompt: `echo ${name} >> ${orderLog()}`, agent: 'command', cwd: fixture.workdir, dependsOn, ...extra });
}

function ran(): string[] {
  return existsSync(orderLog()) ? readFileSync(orderLog(), 'utf8').split('\n').filter(Boolean) : [];
}

describe('workflows', () => {
  it('runs a diamond of command tasks in an order that respects its edges', async () => {
    const claudine = client();
    const build = (await step(claudine, 'build')).task;
    const unit = (await step(claudine, 'unit', [build.id])).task;
    const lint = (await step(claudine, 'lint', [build.id])).task;
    const review = (await step(claudine, 'review', [unit.id, lint.id])).task;
    expect(review).toMatchObject({ status: 'queued', blockedBy: [unit.id, lint.id].sort() });
    await host();
    expect((await finished(claudine, review.id)).status).toBe('completed');
    const order = ran();
    expect(order).toHaveLength(4);
    expect(order[0]).toBe('build');
    expect(order[3]).toBe('review');
    expect(order.slice(1, 3).sort()).toEqual(['lint', 'unit']);
  });

  it('fails the whole workflow when its root fails, runs none of it, and runs it all once the root is retried', async () => {
    const claudine = client();
    const root = (await claudine.submit({ prompt: `test -f ready && echo root >> ${orderLog()}`, agent: 'command', cwd: fixture.workdir }))
      .task;
    const left = (await step(claudine, 'left', [root.id])).task;
    const right = (await step(claudine, 'right', [root.id], { dependencyPolicy: 'cancel' })).task;
    const anyway = (await step(claudine, 'anyway', [root.id], { dependencyPolicy: 'run' })).task;
    const last = (await step(claudine, 'last', [left.id, right.id])).task;
    await host();
    expect(await finished(claudine, last.id)).toMatchObject({
      status: 'failed',
      failureReason: 'dependency_failed',
      // Whichever of its two ended dependencies the propagation reached first is named.
      statusDetail: expect.stringMatching(
        new RegExp(`^dependency (${left.id} failed|${right.id} was cancelled) because task ${root.id} failed$`),
      ),
    });
    expect(await claudine.get(left.id)).toMatchObject({ status: 'failed', statusDetail: `dependency ${root.id} failed` });
    expect(await claudine.get(right.id)).toMatchObject({ status: 'cancelled', failureReason: 'dependency_failed' });
    expect((await finished(claudine, anyway.id)).status).toBe('completed');
    expect(ran()).toEqual(['anyway']);

    await expect(claudine.retry(last.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(new RegExp(`retry (${left.id}|${right.id}) instead`)),
    });
    writeFileSync(join(fixture.workdir, 'ready'), '');
    const retried = await claudine.retry(root.id);
    expect(retried.status).toBe('queued');
    expect(await claudine.get(last.id)).toMatchObject({ status: 'queued', blockedBy: [left.id, right.id].sort() });
    expect((await finished(claudine, last.id)).status).toBe('completed');
    // `anyway` already ran and is not run again; the others ran once each, in order.
    const order = ran();
    expect(order[0]).toBe('anyway');
    expect(order[1]).toBe('root');
    expect(order.slice(2, 4).sort()).toEqual(['left', 'right']);
    expect(order[4]).toBe('last');
  });

  it('continues a workflow after the host restarts mid-chain', async () => {
    const claudine = client();
    // With one slot, the host runs a, then the gate (P0) that holds its only slot until it stops.
    const a = (await step(claudine, 'a', [], { priority: 'P0' })).task;
    const gate = (await claudine.submit({ prompt: 'sleep 60', agent: 'command', cwd: fixture.workdir, priority: 'P0' })).task;
    const b = (await step(claudine, 'b', [a.id])).task;
    const c = (await step(claudine, 'c', [b.id])).task;
    const first = await host({ CLAUDINE_CONCURRENCY: '1' });
    await waitFor(async () => (await claudine.get(gate.id)).status === 'running', { description: 'the gate to start' });
    expect(await claudine.get(a.id)).toMatchObject({ status: 'completed' });
    expect(await claudine.get(b.id)).toMatchObject({ status: 'queued', blockedBy: [] });
    expect(await claudine.get(c.id)).toMatchObject({ status: 'queued', blockedBy: [b.id] });
    await first.stop();
    expect(await claudine.get(gate.id)).toMatchObject({ status: 'failed', failureReason: 'shutdown' });
    await host({ CLAUDINE_CONCURRENCY: '1' });
    expect((await finished(claudine, c.id)).status).toBe('completed');
    expect(ran()).toEqual(['a', 'b', 'c']);
  });

  it('fails the dependents of a task whose host crashed, during recovery, and a retry resumes the chain', async () => {
    const claudine = client();
    // No retries: recovery fails `a` as crashed instead of queuing it again.
    const a = (await step(claudine, 'a', [], { maxRetries: 0 })).task;
    const b = (await step(claudine, 'b', [a.id])).task;
    // Play a host that claimed `a` and died without a trace.
    const store = SqliteTaskStore.open({ path: join(fixture.home, 'claudine.db') });
    try {
      await store.registerHost({ id: 'host-dead', pid: 999_999, pidStartTime: 'gone', hostname: 'vm', startedAt: 1, heartbeatAt: 1 });
      await store.claimNext({ owner: 'host-dead', maxRunning: 10, now: Date.now(), leaseExpiresAt: Date.now() + 60_000 });
    } finally {
      store.close();
    }
    await host();
    expect(await claudine.get(a.id)).toMatchObject({ status: 'failed', failureReason: 'crashed' });
    expect(await claudine.get(b.id)).toMatchObject({
      status: 'failed',
      failureReason: 'dependency_failed',
      statusDetail: `dependency ${a.id} failed`,
    });
    await claudine.retry(a.id);
    expect((await finished(claudine, b.id)).status).toBe('completed');
    expect(ran()).toEqual(['a', 'b']);
  });

  it("passes dependencies' final results to a dependent that asks for them", async () => {
    const claudine = client();
    const design = (await claudine.submit({ prompt: 'Design it [[fake: succeed The parser needs a lexer]]', cwd: fixture.workdir })).task;
    const tests = (await claudine.submit({ prompt: 'echo 12 tests passed', agent: 'command', cwd: fixture.workdir })).task;
    const review = (
      await claudine.submit({
        prompt: 'Review [[fake: echo-prompt]]',
        cwd: fixture.workdir,
        dependsOn: [design.id, tests.id],
        passDependencyResults: true,
      })
    ).task;
    const script = (
      await claudine.submit({
        prompt: `printf '%s' "$${DEPENDENCY_RESULTS_VARIABLE}"`,
        agent: 'command',
        cwd: fixture.workdir,
        dependsOn: [design.id, tests.id],
        passDependencyResults: true,
      })
    ).task;
    const unasked = (await claudine.submit({ prompt: 'Plain [[fake: echo-prompt]]', cwd: fixture.workdir, dependsOn: [design.id] })).task;
    await host();
    const reviewed = await finished(claudine, review.id);
    const echoed = reviewed.report?.resultText ?? '';
    expect(echoed).toContain('Review [[fake: echo-prompt]]');
    expect(echoed).toContain(`## Task ${design.id} (claude, completed)\n\nThe parser needs a lexer`);
    expect(echoed).toContain(`## Task ${tests.id} (command, completed)\n\n12 tests passed`);
    // The stored prompt is what was submitted.
    expect(reviewed.prompt).toBe('Review [[fake: echo-prompt]]');
    expect((await finished(claudine, script.id)).status).toBe('completed');
    const output = await claudine.output.read(script.id, { streams: ['stdout'] });
    const passed = JSON.parse(output.records.map((record) => record.text).join('')) as Array<Record<string, unknown>>;
    // In the order of `dependsOn`, which is sorted by id.
    const expected = [
      { id: design.id, agent: 'claude', status: 'completed', result: 'The parser needs a lexer' },
      { id: tests.id, agent: 'command', status: 'completed', result: '12 tests passed\n' },
    ].sort((left, right) => left.id.localeCompare(right.id));
    expect(passed).toEqual(expected);
    expect((await finished(claudine, unasked.id)).report?.resultText).toBe('Plain [[fake: echo-prompt]]');
  });

  it('changes dependencies of a queued task, refusing cycles with the cycle named', async () => {
    const claudine = client();
    const a = (await step(claudine, 'a')).task;
    const b = (await step(claudine, 'b', [a.id])).task;
    await expect(claudine.updateDependencies(a.id, { add: [b.id] })).rejects.toMatchObject({
      code: 'dependency_cycle',
      message: expect.stringContaining(`${a.id} → ${b.id} → ${a.id}`),
      details: { cycle: [a.id, b.id, a.id] },
    });
    await expect(claudine.updateDependencies(a.id, { add: ['nope'] })).rejects.toMatchObject({ code: 'invalid_input' });
    const c = (await step(claudine, 'c')).task;
    const updated = await claudine.updateDependencies(a.id, { add: [c.id] });
    expect(updated.blockedBy).toEqual([c.id]);
    const graph = await claudine.graph(b.id);
    expect(graph.tasks.map((task) => task.id)).toEqual([a.id, b.id, c.id]);
    await host();
    expect((await finished(claudine, b.id)).status).toBe('completed');
    expect(ran()).toEqual(['c', 'a', 'b']);
    await expect(claudine.updateDependencies(b.id, { remove: [a.id] })).rejects.toMatchObject({ code: 'conflict' });
  });
});
