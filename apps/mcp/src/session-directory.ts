import { fileURLToPath } from 'node:url';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  ListRootsResultSchema,
  RootsListChangedNotificationSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';

/** What a tool call can send to its client: requests go out on the call's own stream. */
export type ToolCallContext = Pick<RequestHandlerExtra<ServerRequest, ServerNotification>, 'sendRequest'>;

/** The working directory of the tasks a session delegates without naming one. */
export interface SessionDirectory {
  /** The directory this server was started in: the default when the client shares no roots. */
  readonly fallback: string;
  /**
   * The client's project: the first `file://` root it lists (`roots/list`, which Claude Code
   * answers with the project directory) when it declared the roots capability, else
   * {@link fallback}. Asked once, then again only after `notifications/roots/list_changed`.
   */
  resolve(call: ToolCallContext): Promise<string>;
}

// Claude Code answers at once; a client that never does must not hold a tool call for long.
const ROOTS_TIMEOUT_MS = 10_000;

/** Follows the roots of the client of `server`'s session (see {@link SessionDirectory}). */
export function createSessionDirectory(server: McpServer, fallback: string): SessionDirectory {
  let roots: Promise<string | undefined> | undefined;
  server.server.setNotificationHandler(RootsListChangedNotificationSchema, () => {
    roots = undefined;
  });
  return {
    fallback,
    async resolve(call) {
      if (server.server.getClientCapabilities()?.roots === undefined) return fallback;
      // Sent on the stream of the tool call that asks, so over HTTP it reaches the client
      // whether or not the client keeps a notification stream open.
      roots ??= call
        .sendRequest({ method: 'roots/list' }, ListRootsResultSchema, { timeout: ROOTS_TIMEOUT_MS })
        .then((result) => firstDirectory(result.roots.map((root) => root.uri)));
      const asked = roots;
      try {
        return (await asked) ?? fallback;
      } catch {
        // Ask again next time rather than keep a failure.
        if (roots === asked) roots = undefined;
        return fallback;
      }
    },
  };
}

// The SDK's schema admits only file:// URIs (as the protocol asks), but not all name a path here.
function firstDirectory(uris: readonly string[]): string | undefined {
  for (const uri of uris) {
    try {
      return fileURLToPath(uri);
    } catch {
      // A file URI naming another machine is no directory here.
    }
  }
  return undefined;
}
