#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { isClaudineError } from '@claudine/core';
import { openClaudine } from '@claudine/runtime';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createClaudineMcpServer } from './server.js';

// stdout carries the protocol and nothing else: anything printed by mistake goes to stderr.
console.log = console.error;
console.info = console.error;

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

try {
  const claudine = openClaudine();
  const server = createClaudineMcpServer(claudine, { version, defaultCwd: process.cwd() });
  const transport = new StdioServerTransport();
  transport.onclose = () => {
    claudine.close();
  };
  await server.connect(transport);
} catch (error) {
  process.stderr.write(`claudine-mcp: ${isClaudineError(error) ? error.message : String(error)}\n`);
  process.exit(1);
}
