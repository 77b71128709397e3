#!/usr/bin/env node
import {
  answerInfoCommand,
  type Claudine,
  ensureAccessToken,
  fatalErrorMessage,
  openClaudine,
  packageVersion,
  readAccessToken,
  startServerProcess,
} from '@claudine/runtime';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { parseCommandLine, USAGE } from './command-line.js';
import { createClaudineMcpServer } from './server.js';
import { createTaskWatch } from './task-watch.js';

// stdout carries the protocol and nothing else: anything printed by mistake goes to stderr.
console.log = console.error;
console.info = console.error;
console.debug = console.error;

const report = startServerProcess('claudine-mcp');
const version = packageVersion(new URL('../package.json', import.meta.url));
const command = parseCommandLine(process.argv.slice(2));

let claudine: Claudine | undefined;
// A function rather than top-level await: the bundled bin is CommonJS, which Node loads without
// setting up its ES module loader.
async function main(): Promise<void> {
  try {
    if (answerInfoCommand(command, { usage: USAGE, version, out: process.stderr, report })) return;
    switch (command.kind) {
      case 'stdio': {
        const client = openClaudine();
        claudine = client;
        const server = createClaudineMcpServer(client, { version, defaultCwd: process.cwd() });
        const transport = new StdioServerTransport();
        // Claude Code ends the server by closing its stdin (or a signal): leave at once, cleanly.
        transport.onclose = () => stop(0);
        await server.connect(transport);
        process.stdin.once('end', () => void server.close());
        break;
      }
      case 'http': {
        const client = openClaudine();
        claudine = client;
        const token = ensureAccessToken(client.layout);
        const watch = createTaskWatch(client, { onError: (error) => report(`watching tasks: ${String(error)}`) });
        // Loaded only here: the HTTP transport's modules replace the fetch globals as they load,
        // which makes Node load its fetch implementation, a large part of a stdio start.
        const { startHttpServer } = await import('./http-server.js');
        const http = await startHttpServer({
          port: command.port ?? client.config.mcp.httpPort,
          // Read at each request: `claudine mcp token --rotate` takes effect without a restart.
          accessToken: () => readAccessToken(client.layout),
          createSessionServer: () => createClaudineMcpServer(client, { version, defaultCwd: process.cwd(), watch }),
          log: report,
        });
        report(`listening on ${http.url} (loopback only; every request needs the access token)`);
        report('register it with Claude Code (`claudine mcp token` prints the token again):');
        process.stderr.write(`  claude mcp add --transport http claudine ${http.url} --header "Authorization: Bearer ${token}"\n`);
        const shutdown = (): void => {
          watch.close();
          http.close().then(
            () => stop(0),
            () => stop(1),
          );
        };
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
        break;
      }
    }
  } catch (error) {
    report(fatalErrorMessage(error));
    stop(1);
  }

  if (command.kind === 'stdio') {
    process.once('SIGINT', () => stop(0));
    process.once('SIGTERM', () => stop(0));
  }
}

void main();

function stop(code: number): void {
  try {
    claudine?.close();
  } finally {
    process.exit(code);
  }
}
