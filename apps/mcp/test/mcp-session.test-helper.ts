import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, type TempDir } from '@claudine/test-utils';
import type { Client, ClientOptions } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach } from 'vitest';
import { callTool, openSession, stopHost, type TestSession, type TransportKind } from './mcp-server.test-helper.js';

// The setup every end-to-end file of the MCP server wants, written once: a data dir and a
// working directory per test, the sessions it opens closed and the host it started stopped after.

/** What a server under test runs in; read it inside a test or hook, it changes per test. */
export interface McpHome {
  readonly temp: TempDir;
  /** The data dir (CLAUDINE_HOME). */
  readonly home: string;
  /** An empty directory, the server's cwd unless a test names another. */
  readonly workdir: string;
  /** Starts the built server in `cwd` (the workdir by default) and connects; closed after the test if not before. */
  open(options?: OpenOptions): Promise<TestSession>;
}

export interface OpenOptions {
  readonly kind?: TransportKind | undefined;
  /** Environment for the server, on top of `serverEnvironment`'s. */
  readonly settings?: Record<string, string> | undefined;
  readonly clientOptions?: ClientOptions | undefined;
  readonly cwd?: string | undefined;
}

/** A home per test, with sessions opened on demand. */
export function useMcpHome(): McpHome {
  let temp: TempDir | undefined;
  let sessions: TestSession[] = [];
  const current = (): TempDir => {
    if (temp === undefined) throw new Error('the MCP home is only there inside a test');
    return temp;
  };
  beforeEach(() => {
    temp = createTempDir();
    mkdirSync(join(temp.path, 'work'));
  });
  afterEach(async () => {
    const open = sessions;
    sessions = [];
    for (const session of open.reverse()) await session.close();
    const done = current();
    temp = undefined;
    await stopHost(join(done.path, 'home'));
    done.remove();
  });
  return {
    get temp() {
      return current();
    },
    get home() {
      return join(current().path, 'home');
    },
    get workdir() {
      return join(current().path, 'work');
    },
    async open(options: OpenOptions = {}) {
      const root = current().path;
      const opened = await openSession(
        options.kind ?? 'stdio',
        join(root, 'home'),
        options.cwd ?? join(root, 'work'),
        options.settings ?? {},
        options.clientOptions ?? {},
      );
      // A test may close its session early; closing it again after the test is then a no-op.
      let closed: Promise<void> | undefined;
      const session: TestSession = { ...opened, close: () => (closed ??= opened.close()) };
      sessions.push(session);
      return session;
    },
  };
}

/** A home and a session opened on it before each test. */
export interface McpSession extends McpHome {
  readonly session: TestSession;
  readonly client: Client;
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
}

export interface McpSessionOptions extends Omit<OpenOptions, 'settings' | 'cwd'> {
  /** The server's environment, or a function of what `beforeEach` hooks registered earlier set up. */
  readonly settings?: Record<string, string> | (() => Record<string, string>);
  /** The server's cwd, asked for once the test's earlier hooks ran (a repository they made). */
  readonly cwd?: () => string;
}

/** A session on a fresh home for each test, over stdio unless `kind` says http. */
export function useMcpSession(options: McpSessionOptions = {}): McpSession {
  const home = useMcpHome();
  let session: TestSession | undefined;
  beforeEach(async () => {
    const settings = typeof options.settings === 'function' ? options.settings() : options.settings;
    session = await home.open({ ...options, settings, cwd: options.cwd?.() });
  });
  afterEach(() => {
    session = undefined;
  });
  const currentSession = (): TestSession => {
    if (session === undefined) throw new Error('the MCP session is only there inside a test');
    return session;
  };
  // The home made for this fixture alone, with the session's members added beside its own.
  return Object.defineProperties(home, {
    session: { get: currentSession },
    client: { get: () => currentSession().client },
    call: { value: (name: string, args: Record<string, unknown>) => callTool(currentSession().client, name, args) },
  }) as McpSession;
}
