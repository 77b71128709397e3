import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClaudineError } from '@claudine/core';
import { type Claudine, ensureAccessToken, listenOnLoopback, tokensEqual } from '@claudine/runtime';
import { checkRequest, sessionCookie } from './access-control.js';
import { createChangeFeed } from './change-feed.js';
import { openEventStream } from './event-stream.js';
import { securityHeaders, sendError, sendFailure, sendHtml, sendJson } from './http-replies.js';
import { streamTaskLog } from './log-stream.js';
import { loadPageAssets } from './page-assets.js';
import { readJsonBody } from './request-body.js';
import { systemReport } from './system-api.js';
import { cancelTask, resumeTask, retryTask } from './task-actions.js';
import { listTasks, taskDetail } from './tasks-api.js';
import { UNAUTHORIZED_PAGE } from './unauthorized-page.js';
import { createUsageRecorder } from './usage-recorder.js';
import { workflow } from './workflow-api.js';
import { WORKTREE_ACTIONS_MISSING, type WorktreeChanges } from './worktree-changes.js';

/** The only address the dashboard binds: it is for the person at this machine. */
export const LOOPBACK_ADDRESS = '127.0.0.1';
/** The port `claudine ui` uses unless told otherwise (the MCP server's default is 7433). */
export const DEFAULT_DASHBOARD_PORT = 7434;

/** Options for {@link startDashboard}. */
export interface DashboardOptions {
  readonly claudine: Claudine;
  /** 0 picks a free port. */
  readonly port: number;
  /** Where the bundled page is (default: this package's `dist/page`). */
  readonly assetsDirectory?: string;
  /** Diff and merge of worktree tasks; without it those endpoints answer 501 (see worktree-changes.ts). */
  readonly worktrees?: WorktreeChanges;
  /** Where to report refused requests and failures (stderr). */
  readonly log?: (line: string) => void;
}

/** A listening dashboard. */
export interface RunningDashboard {
  /** The dashboard's address, without the token. */
  readonly url: string;
  /** The address that signs a browser in: `url` with the token in its fragment. */
  readonly signInUrl: string;
  readonly port: number;
  close(): Promise<void>;
}

const PAGE_PATHS = [
  /^\/$/,
  /^\/tasks\/?$/,
  /^\/tasks\/[0-9a-z]{10}\/?$/,
  /^\/workflows\/?$/,
  /^\/workflows\/[0-9a-z]{10}\/?$/,
  /^\/system\/?$/,
];
const TASK_PATH = /^\/api\/tasks\/([0-9a-z]{10})(?:\/(log|diff|cancel|retry|resume|merge))?$/;
const WORKFLOW_PATH = /^\/api\/workflows(?:\/([0-9a-z]{10}))?$/;

/**
 * Serves the dashboard on 127.0.0.1: the page, its JSON API and its live event streams. Every
 * request passes the Host/Origin check; everything but the bundle and the sign-in needs the data
 * directory's access token, from the HttpOnly cookie the sign-in sets (or a Bearer header);
 * every action is a POST from this server's own origin. Throws when the port is taken or the
 * page was not built.
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const { claudine } = options;
  const log = options.log ?? (() => {});
  const assets = loadPageAssets(options.assetsDirectory);
  const startToken = ensureAccessToken(claudine.layout);
  const feed = createChangeFeed(claudine, { onError: (error) => log(`watching tasks: ${String(error)}`) });
  const usage = createUsageRecorder(claudine, {
    running: () => feed.running(),
    subscribe: (listener) => feed.subscribe(listener),
    intervalMs: claudine.config.metrics.sampleInterval,
    onError: (error) => log(`reading task metrics: ${String(error)}`),
  });
  let port = options.port;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      response.writeHead(405, { ...securityHeaders(), allow: 'GET, POST' }).end();
      return;
    }
    const isPublic = path.startsWith('/assets/') || (path === '/api/session' && method === 'POST');
    // Read for each request: a rotated token (`claudine mcp token --rotate`) locks old cookies out at once.
    const token = ensureAccessToken(claudine.layout);
    const decision = checkRequest(request, port, token, { needsToken: !isPublic });
    if (decision.kind === 'forbidden') {
      log(`refused a request: ${decision.reason}`);
      return sendError(response, 403, 'forbidden', decision.reason);
    }
    if (decision.kind === 'unauthorized') {
      if (method === 'GET' && PAGE_PATHS.some((pattern) => pattern.test(path))) return sendHtml(response, 401, UNAUTHORIZED_PAGE);
      return sendError(response, 401, 'unauthorized', "This needs the dashboard's access token: open the link `claudine ui` prints.");
    }

    if (path.startsWith('/assets/') && method === 'GET') {
      const asset = assets.asset(path.slice('/assets/'.length));
      if (asset === undefined) return sendError(response, 404, 'not_found', `No asset ${path}.`);
      if (request.headers['if-none-match'] === asset.etag) {
        response.writeHead(304, { ...securityHeaders(), etag: asset.etag }).end();
        return;
      }
      response.writeHead(200, {
        ...securityHeaders(),
        'content-type': asset.contentType,
        'content-length': String(asset.body.length),
        'cache-control': 'no-cache',
        etag: asset.etag,
      });
      response.end(asset.body);
      return;
    }
    if (path === '/api/session' && method === 'POST') {
      const body = await readJsonBody(request);
      if (typeof body.token !== 'string' || !tokensEqual(body.token, token)) {
        return sendError(
          response,
          401,
          'unauthorized',
          "That token is not this data directory's: run `claudine ui` again and open the link it prints.",
        );
      }
      response.writeHead(204, { ...securityHeaders(), 'set-cookie': sessionCookie(port, token), 'cache-control': 'no-store' }).end();
      return;
    }
    if (method === 'GET' && PAGE_PATHS.some((pattern) => pattern.test(path))) {
      return sendHtml(response, 200, assets.index.body.toString('utf8'));
    }
    if (method === 'GET' && path === '/api/tasks') {
      const listed = await listTasks(claudine, url.searchParams);
      if ('error' in listed) return sendError(response, 400, 'invalid_input', listed.error);
      return sendJson(response, 200, listed);
    }
    if (method === 'GET' && path === '/api/events') {
      const stream = openEventStream(response, { retryMs: 1000, onClose: () => unsubscribe() });
      const unsubscribe = feed.subscribe((event) => {
        if (event.kind === 'changed') stream.send('changed', {});
        else stream.send('finished', event.task);
      });
      stream.send('ready', {});
      return;
    }
    if (method === 'GET' && path === '/api/system') return sendJson(response, 200, await systemReport(claudine));
    const workflowMatch = WORKFLOW_PATH.exec(path);
    if (method === 'GET' && workflowMatch !== null) return sendJson(response, 200, await workflow(claudine, workflowMatch[1]));
    const taskMatch = TASK_PATH.exec(path);
    if (taskMatch !== null) {
      const id = taskMatch[1] as string;
      const verb = taskMatch[2];
      if (method === 'GET' && verb === undefined) return sendJson(response, 200, await taskDetail(claudine, id, usage, options.worktrees));
      if (method === 'GET' && verb === 'log') return streamTaskLog(claudine, await claudine.get(id), request, response, url);
      if (method === 'GET' && verb === 'diff') {
        if (options.worktrees === undefined) return sendError(response, 501, 'not_implemented', WORKTREE_ACTIONS_MISSING);
        return sendJson(response, 200, await options.worktrees.diff(await claudine.get(id)));
      }
      if (method === 'POST' && verb !== undefined && verb !== 'log' && verb !== 'diff') {
        const body = await readJsonBody(request);
        if (verb === 'cancel') return sendJson(response, 200, await cancelTask(claudine, id));
        if (verb === 'retry') return sendJson(response, 200, await retryTask(claudine, id));
        if (verb === 'resume') return sendJson(response, 200, await resumeTask(claudine, id, body));
        if (options.worktrees === undefined) return sendError(response, 501, 'not_implemented', WORKTREE_ACTIONS_MISSING);
        return sendJson(response, 200, await options.worktrees.merge(await claudine.get(id)));
      }
      return sendError(
        response,
        405,
        'method_not_allowed',
        `Use ${verb === undefined || verb === 'log' || verb === 'diff' ? 'GET' : 'POST'} for ${path}.`,
      );
    }
    return sendError(response, 404, 'not_found', `Nothing at ${path}.`);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!(error instanceof ClaudineError)) log(`request ${request.method} ${request.url?.split('?')[0]} failed: ${String(error)}`);
      if (!response.headersSent) sendFailure(response, error);
      else response.end();
    });
  });
  // Event streams stay open: no idle timeout on requests.
  server.requestTimeout = 0;
  try {
    await listenOnLoopback(server, options.port, {
      inUse: (cause) =>
        new ClaudineError(
          'conflict',
          `Port ${options.port} on ${LOOPBACK_ADDRESS} is in use: a dashboard may already run there (open it), or pass another port (--port, 0 picks a free one).`,
          { cause },
        ),
      log,
    });
  } catch (error) {
    feed.close();
    usage.close();
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  const url = `http://${LOOPBACK_ADDRESS}:${port}/`;
  return {
    url,
    // The fragment is never sent to a server: no access log, proxy or Referer ever sees it.
    signInUrl: `${url}#token=${startToken}`,
    port,
    async close() {
      feed.close();
      usage.close();
      // Open event streams would keep close() waiting forever.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
