import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { callTool, resultText, type TestSession, type TransportKind } from './mcp-server.test-helper.js';
import { useMcpHome } from './mcp-session.test-helper.js';

// A task delegated without a cwd runs in the client's project: the first directory among the
// roots the client shares, asked for with roots/list; the server's own directory otherwise.

describe.each<TransportKind>(['stdio', 'http'])('the working directory of delegated tasks, over %s', (kind) => {
  const mcp = useMcpHome();
  let serverDirectory: string;
  let session: TestSession | undefined;

  beforeEach(() => {
    serverDirectory = join(mcp.temp.path, 'server');
    mkdirSync(join(serverDirectory, 'sub'), { recursive: true });
  });

  async function delegatedCwd(args: Record<string, unknown> = {}): Promise<string> {
    if (session === undefined) throw new Error('no session');
    const result = await callTool(session.client, 'DelegateTask', { prompt: 'true', agent: 'command', ...args });
    expect(result.isError, resultText(result)).toBeFalsy();
    const { task } = result.structuredContent as { task: { cwd: string } };
    expect(resultText(result)).toContain(` in ${task.cwd}.`);
    return task.cwd;
  }

  it('defaults to the first file root of a client that shares roots, and follows roots/list_changed', async () => {
    const first = join(mcp.temp.path, 'project one');
    const second = join(mcp.temp.path, 'project-two');
    mkdirSync(join(first, 'sub'), { recursive: true });
    mkdirSync(second);
    let roots = [
      // Names another machine: no directory here.
      { uri: 'file://elsewhere.example/srv/project', name: 'remote' },
      { uri: pathToFileURL(first).href, name: 'one' },
      { uri: pathToFileURL(second).href, name: 'two' },
    ];
    let asked = 0;
    session = await mcp.open({ kind, cwd: serverDirectory, clientOptions: { capabilities: { roots: { listChanged: true } } } });
    session.client.setRequestHandler(ListRootsRequestSchema, () => {
      asked += 1;
      return { roots };
    });
    expect(await delegatedCwd()).toBe(first);
    expect(await delegatedCwd({ cwd: 'sub' })).toBe(join(first, 'sub'));
    expect(await delegatedCwd({ cwd: serverDirectory })).toBe(serverDirectory);
    // Asked once: the answer holds until the client says its roots changed.
    expect(asked).toBe(1);
    roots = [{ uri: pathToFileURL(second).href, name: 'two' }];
    await session.client.sendRootsListChanged();
    expect(await delegatedCwd()).toBe(second);
    expect(asked).toBe(2);
    // A client that shares no directory gets the server's.
    roots = [];
    await session.client.sendRootsListChanged();
    expect(await delegatedCwd()).toBe(serverDirectory);
  });

  it("uses the server's directory for a client without the roots capability, and says so", async () => {
    session = await mcp.open({ kind, cwd: serverDirectory });
    expect(await delegatedCwd()).toBe(serverDirectory);
    expect(await delegatedCwd({ cwd: 'sub' })).toBe(join(serverDirectory, 'sub'));
    const { tools } = await session.client.listTools();
    const delegate = tools.find((tool) => tool.name === 'DelegateTask');
    const cwd = ((delegate?.inputSchema.properties ?? {}) as Record<string, { description?: string }>).cwd;
    expect(cwd?.description).toContain(`roots`);
    expect(cwd?.description).toContain(`the directory this server was started in (${serverDirectory})`);
  });
});
