import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DbBackupJson,
  DbCheckJson,
  DbPruneJson,
  GraphJson,
  HostStartJson,
  HostStatusJson,
  HostStopJson,
  LogRecordJson,
  LogsJson,
  RetryJson,
  SystemMetricsJson,
  TaskJson,
  TaskMetricsJson,
} from '../src/json-shapes.js';
import { useCliSession } from './session.test-helper.js';

const session = useCliSession();
const { cli } = session;

const json = <T>(schema: { parse(value: unknown): T }, text: string): T => schema.parse(JSON.parse(text));

describe('--json output', () => {
  it('matches the documented schema of every read command', async () => {
    // A host that stays while the test runs, so the one stopped at the end is the one started.
    session.env = { ...session.env, CLAUDINE_HOST_IDLE_EXIT: '10m' };
    const started = json(HostStartJson, (await cli(['host', 'start', '--json'])).stdout);
    expect(started.started).toBe(true);
    expect(json(HostStatusJson, (await cli(['host', 'status', '--json'])).stdout)).toMatchObject({
      running: true,
      host: { pid: started.pid },
    });

    const first = await session.submit('echo first; echo warn >&2; exit 2');
    const second = await session.submit('echo second', '-d', first, '--on-dependency-failure', 'run');
    await session.waitForStatus(second, ['completed']);

    const logs = json(LogsJson, (await cli(['logs', '--json', first])).stdout);
    expect(logs.records.filter((record) => record.stream !== 'system').map((record) => record.text)).toEqual(['first\n', 'warn\n']);
    expect(logs.atEnd).toBe(true);
    const tail = json(LogsJson, (await cli(['logs', '--json', '--tail', '1', '--stdout', first])).stdout);
    expect(tail.records.map((record) => record.text)).toEqual(['first\n']);
    // --follow --json is NDJSON: one record per line, ending with the task.
    const followed = await cli(['logs', '--follow', '--json', second]);
    expect(followed.code).toBe(0);
    const lines = followed.stdout.trim().split('\n');
    const records = lines.map((line) => LogRecordJson.parse(JSON.parse(line)));
    expect(records.some((record) => record.text === 'second\n')).toBe(true);

    expect(json(TaskJson, (await cli(['deps', '--json', second])).stdout)).toMatchObject({ id: second, dependsOn: [first] });
    const graph = json(GraphJson, (await cli(['graph', '--json', second])).stdout);
    expect(graph.edges).toEqual([{ from: first, to: second }]);
    expect(json(TaskMetricsJson, (await cli(['metrics', '--json', first])).stdout)).toMatchObject({ taskId: first });
    expect(json(SystemMetricsJson, (await cli(['metrics', '--json'])).stdout).snapshot.completed).toBe(1);

    const retried = json(RetryJson, (await cli(['retry', '--json', first, second])).stdout);
    expect(retried[0]).toEqual({ id: first, status: 'queued', error: null });
    expect(retried[1]).toMatchObject({ id: second, status: null, error: expect.stringContaining('only a failed or cancelled task') });
    await session.waitForStatus(first, ['failed']);

    expect(json(DbCheckJson, (await cli(['db', 'check', '--json'])).stdout)).toMatchObject({ ok: true, tasks: 2 });
    const backup = json(DbBackupJson, (await cli(['db', 'backup', '--json', join(session.root, 'copy.db')])).stdout);
    expect(backup.bytes).toBeGreaterThan(0);
    expect(json(DbPruneJson, (await cli(['db', 'prune', '--older-than', '30d', '--json'])).stdout)).toEqual({ pruned: 0 });

    const stopped = json(HostStopJson, (await cli(['host', 'stop', '--json'])).stdout);
    expect(stopped).toEqual({ stopped: true, pid: started.pid });
    expect(json(HostStopJson, (await cli(['host', 'stop', '--json'])).stdout)).toEqual({ stopped: false, pid: null });
    const down = await cli(['host', 'status', '--json']);
    expect(down.code).toBe(1);
    expect(json(HostStatusJson, down.stdout).running).toBe(false);
  });
});
