import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAuthorized, listenOnLoopback, refuseNonLoopbackRequest } from '@claudine/runtime';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** The only address the HTTP server binds: it is for clients on this machine. */
export const LOOPBACK_ADDRESS = '127.0.0.1';
/** The endpoint path. */
export const MCP_PATH = '/mcp';

/** Options for {@link startHttpServer}. */
export interface HttpServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * The access token every request must carry as `Authorization: Bearer <token>`, asked for at
   * each request (so a rotated token applies at once); undefined refuses every request.
   */
  readonly accessToken: () => string | undefined;
  /** Builds the server of a new session (each client session gets its own). */
  readonly createSessionServer: () => McpServer;
  /** Where to report refused requests and transport errors (stderr). */
  readonly log?: (line: string) => void;
  /**
   * A session with no request and no open stream for this long is closed (default 24 h): a
   * client that vanished without ending its session must not keep its watches forever.
   */
  readonly sessionIdleMs?: number;
}

/** A listening {@link startHttpServer}. */
export interface RunningHttpServer {
  readonly url: string;
  readonly port: number;
  /** Number of open sessions. */
  sessions(): number;
  close(): Promise<void>;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: McpServer;
  /** The token the session was opened with: once it is replaced, the session ends. */
  readonly token: string;
  lastSeen: number;
  /** Responses still open (a GET stream for notifications, a long tool call). */
  open: number;
}

const DEFAULT_SESSION_IDLE_MS = 24 * 60 * 60_000;
// How often open sessions are checked against the token, so that the streams of a session opened
// with a token since rotated end even when its client sends nothing more.
const TOKEN_CHECK_MS = 1000;

/**
 * Serves MCP over Streamable HTTP on 127.0.0.1 only, so several Claude Code sessions share one
 * server (and one watch over the tasks). Every request's Host and Origin are checked against DNS
 * rebinding first, then its bearer token (401 without the right one, so another account of this
 * machine cannot use the server); each client session gets its own MCP server, ended when the
 * token it was opened with is replaced.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const log = options.log ?? (() => {});
  const sessions = new Map<string, Session>();

  const openSession = async (token: string): Promise<Session> => {
    const server = options.createSessionServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, session);
        log(`session ${sessionId} started (${sessions.size} open)`);
      },
    });
    const session: Session = { transport, server, token, lastSeen: Date.now(), open: 0 };
    transport.onclose = () => {
      if (transport.sessionId !== undefined && sessions.delete(transport.sessionId)) {
        log(`session ${transport.sessionId} ended (${sessions.size} open)`);
      }
      void server.close().catch(() => {});
    };
    transport.onerror = (error) => log(`transport: ${error.message}`);
    await server.connect(transport);
    return session;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const origin = request.headers.origin;
    const refusal = refuseNonLoopbackRequest(request.headers.host, Array.isArray(origin) ? origin[0] : origin);
    if (refusal !== undefined) {
      log(`refused a request: ${refusal}`);
      return reply(response, 403, -32000, refusal);
    }
    const token = options.accessToken();
    const authorization = request.headers.authorization;
    if (token === undefined || !isAuthorized(authorization, token)) {
      log(`refused a request: ${authorization === undefined ? 'no access token' : 'wrong access token'}`);
      return refuseUnauthorized(response, authorization !== undefined, `http://${LOOPBACK_ADDRESS}:${request.socket.localPort}${MCP_PATH}`);
    }
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== MCP_PATH) return reply(response, 404, -32000, `Not found: the MCP endpoint is ${MCP_PATH}.`);
    const header = request.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (sessionId !== undefined) {
      const session = sessions.get(sessionId);
      if (session === undefined || session.token !== token) {
        // A session opened with a token since replaced is over, whatever its client now holds.
        if (session !== undefined) void session.transport.close().catch(() => {});
        return reply(response, 404, -32001, 'Session not found: it ended or the server restarted. Start a new session.');
      }
      session.lastSeen = Date.now();
      session.open += 1;
      response.once('close', () => {
        session.open -= 1;
        session.lastSeen = Date.now();
      });
      await session.transport.handleRequest(request, response);
      return;
    }
    if (request.method !== 'POST') return reply(response, 400, -32000, 'Bad request: start a session with an initialize POST first.');
    const session = await openSession(token);
    await session.transport.handleRequest(request, response);
    // Anything but an initialize request is refused by the transport: drop what was opened for it.
    if (session.transport.sessionId === undefined) await session.server.close();
  };

  const http = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) reply(response, 500, -32603, 'Internal error.');
      else response.end();
    });
  });
  await listenOnLoopback(http, options.port, {
    inUse: (cause) =>
      new Error(
        `port ${options.port} on ${LOOPBACK_ADDRESS} is in use: another \`claudine mcp --http\` may run there (connect to it), or pass another port.`,
        { cause },
      ),
    log,
  });
  const idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const sweep = setInterval(
    () => {
      for (const [sessionId, session] of sessions) {
        if (session.open > 0 || Date.now() - session.lastSeen < idleMs) continue;
        log(`session ${sessionId} idle since ${new Date(session.lastSeen).toISOString()}: closing it`);
        void session.transport.close().catch(() => {});
      }
    },
    Math.max(10, Math.min(10 * 60_000, Math.floor(idleMs / 2))),
  );
  sweep.unref();
  const tokenCheck = setInterval(() => {
    let token: string | undefined;
    try {
      token = options.accessToken();
    } catch (error) {
      log(`could not read the access token: ${(error as Error).message}`);
      return;
    }
    for (const [sessionId, session] of sessions) {
      if (session.token === token) continue;
      log(`session ${sessionId} was opened with a replaced access token: closing it`);
      void session.transport.close().catch(() => {});
    }
  }, TOKEN_CHECK_MS);
  tokenCheck.unref();
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://${LOOPBACK_ADDRESS}:${port}${MCP_PATH}`,
    port,
    sessions: () => sessions.size,
    async close() {
      clearInterval(sweep);
      clearInterval(tokenCheck);
      for (const session of [...sessions.values()]) await session.transport.close().catch(() => {});
      sessions.clear();
      // Open SSE streams would keep close() waiting forever.
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function reply(response: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

// RFC 6750: the challenge names the scheme, and says when the token given was not the right one.
function refuseUnauthorized(response: ServerResponse, tokenGiven: boolean, url: string): void {
  reply(
    response,
    401,
    -32000,
    `Unauthorized: every request needs the header "Authorization: Bearer <token>". The user who runs this server prints the token with \`claudine mcp token\` and registers the server with it: claude mcp add --transport http claudine ${url} --header "Authorization: Bearer <token>".`,
    { 'www-authenticate': tokenGiven ? 'Bearer realm="claudine", error="invalid_token"' : 'Bearer realm="claudine"' },
  );
}
