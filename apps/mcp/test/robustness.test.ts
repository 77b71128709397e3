import { MCP_INITIALIZE, spawnWatched, waitFor } from '@claudine/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callTool, resultText, serverEnvironment, serverPath } from './mcp-server.test-helper.js';
import { useMcpHome } from './mcp-session.test-helper.js';

// Whatever a client sends, the server answers (a result, a tool error or a JSON-RPC error),
// writes nothing but protocol to stdout, and keeps serving.

// Random calls may well be valid submissions: every agent is /usr/bin/true, so none does anything.
const HARMLESS = {
  CLAUDINE_AGENTS_CLAUDE_COMMAND: '/usr/bin/true',
  CLAUDINE_AGENTS_CODEX_COMMAND: '/usr/bin/true',
  CLAUDINE_AGENTS_COMMAND_SHELL: '/usr/bin/true',
};

const TOOLS = [
  'DelegateTask',
  'DelegateWorkflow',
  'WaitForTasks',
  'TaskStatus',
  'ListTasks',
  'TaskLogs',
  'CancelTask',
  'RetryTask',
  'ResumeTask',
  'TaskGraph',
  'UpdateDependencies',
  'TaskMetrics',
  'SystemMetrics',
];

const ARGUMENT_NAMES = [
  'taskId',
  'taskIds',
  'prompt',
  'agent',
  'cwd',
  'status',
  'limit',
  'cursor',
  'lines',
  'offset',
  'before',
  'stream',
  'raw',
  'instructions',
  'mode',
  'timeoutSeconds',
  'add',
  'remove',
  'historyMinutes',
  'label',
  'labels',
  'createdAfter',
  'dependsOn',
  'priority',
  'model',
  'reason',
];

const mcp = useMcpHome();

describe('malformed and random input', () => {
  it('answers random tool calls with results or errors, and keeps serving', async () => {
    const session = await mcp.open({ settings: HARMLESS });
    try {
      const delegated = await callTool(session.client, 'DelegateTask', { prompt: 'seq 1 100', agent: 'command' });
      const { taskId } = delegated.structuredContent as { taskId: string };
      await callTool(session.client, 'WaitForTasks', { taskIds: [taskId] });
      // Values a model might plausibly send, and nonsense: ids real and not, numbers at the edges.
      const value = fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom(taskId, 'aaaaaaaaaa', '', 'claudine://tasks/x/log', '../..', '/', 'P0', 'all', 'command', 'claude'),
        fc.integer({ min: -5, max: 100_000 }),
        fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER, 0.5),
        fc.array(fc.constantFrom(taskId, 'aaaaaaaaaa', 'queued', 'blocked', 'x'), { maxLength: 3 }),
      );
      const argumentsArbitrary = fc.dictionary(fc.oneof(fc.constantFrom(...ARGUMENT_NAMES), fc.string({ maxLength: 8 })), value, {
        maxKeys: 5,
      });
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...TOOLS, 'NoSuchTool'), argumentsArbitrary, async (name, args) => {
          let outcome: 'result' | 'error';
          try {
            const result = await session.client.callTool({ name, arguments: args }, undefined, { timeout: 20_000 });
            expect(Array.isArray(result.content)).toBe(true);
            if (result.isError !== true) expect(result.structuredContent).toBeTypeOf('object');
            outcome = 'result';
          } catch (error) {
            // A JSON-RPC error is an answer too; a closed connection is not.
            expect(String(error)).not.toMatch(/Connection closed|Not connected/);
            outcome = 'error';
          }
          expect(['result', 'error']).toContain(outcome);
        }),
        { numRuns: 150 },
      );
      const still = await callTool(session.client, 'TaskStatus', { taskId });
      expect(still.isError, resultText(still)).toBeFalsy();
      expect(session.stderr()).not.toMatch(/unexpected error|TypeError|ReferenceError|RangeError/);
    } finally {
      await session.close();
    }
  });

  it('survives garbage on stdin and writes only JSON-RPC to stdout', async () => {
    const server = spawnWatched(process.execPath, [serverPath], { cwd: mcp.workdir, env: serverEnvironment(mcp.home, HARMLESS) });
    const { child } = server;
    const send = (line: string): void => server.writeLine(line);
    const answered = (id: number) =>
      server
        .stdout()
        .split('\n')
        .some((line) => line.includes(`"id":${id}`) && line.includes('"result"'));
    try {
      send(JSON.stringify(MCP_INITIALIZE));
      send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      await waitFor(() => answered(1), { description: 'the initialize answer' });
      const garbage = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
        fc
          .record({
            jsonrpc: fc.constantFrom('2.0', '1.0', 2),
            id: fc.oneof(fc.integer({ min: 1000, max: 1_000_000 }), fc.string({ maxLength: 5 }), fc.constant(null)),
            method: fc.constantFrom('tools/call', 'tools/list', 'resources/read', 'resources/subscribe', 'logging/setLevel', 'nope', ''),
            params: fc.oneof(
              fc.jsonValue({ maxDepth: 2 }),
              fc.record({ name: fc.constantFrom(...TOOLS), arguments: fc.jsonValue({ maxDepth: 2 }) }),
              fc.record({ uri: fc.string({ maxLength: 40 }) }),
            ),
          })
          .map((value) => JSON.stringify(value)),
      );
      let nextId = 2;
      await fc.assert(
        fc.asyncProperty(fc.array(garbage, { minLength: 1, maxLength: 8 }), async (lines) => {
          for (const line of lines) send(line);
          // After the garbage, a well-formed request is still answered.
          const id = nextId;
          nextId += 1;
          send(JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }));
          await waitFor(() => answered(id), { description: `the answer to ping ${id}`, timeoutMs: 20_000 });
        }),
        { numRuns: 40 },
      );
      expect(child.exitCode).toBeNull();
      for (const line of server
        .stdout()
        .split('\n')
        .filter((text) => text !== '')) {
        expect(JSON.parse(line), line).toMatchObject({ jsonrpc: '2.0' });
      }
      expect(server.stderr()).not.toMatch(/unexpected error|TypeError|ReferenceError/);
    } finally {
      child.stdin.end();
      await server.exited;
    }
    // Closing stdin ends the server by itself.
    expect(child.exitCode).toBe(0);
  });
});
