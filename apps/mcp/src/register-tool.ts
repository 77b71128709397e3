import type { McpServer, ToolCallback } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ZodRawShapeCompat } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { guard } from './tool-result.js';

/** The hints of a tool that only reads the task store. */
export const READS_TASKS: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };

/** The hints of a tool that stores a task for an agent to run (which may reach anywhere). */
export const STARTS_AGENTS: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };

/** What a tool declares: a title for people, a description for the model, its schemas and hints. */
export interface ToolDeclaration<Input extends ZodRawShapeCompat, Output extends ZodRawShapeCompat> {
  readonly title: string;
  readonly description: string;
  readonly inputSchema: Input;
  readonly outputSchema: Output;
  readonly annotations: ToolAnnotations;
}

/**
 * Registers a tool whose body runs under {@link guard}, so every tool turns a thrown error into
 * a tool error the model can act on, and none can take the server down.
 */
export function registerGuardedTool<Input extends ZodRawShapeCompat, Output extends ZodRawShapeCompat>(
  server: McpServer,
  name: string,
  declaration: ToolDeclaration<Input, Output>,
  body: (...args: Parameters<ToolCallback<Input>>) => Promise<CallToolResult>,
): void {
  const guarded = ((...args: Parameters<ToolCallback<Input>>) => guard(() => body(...args))) as ToolCallback<Input>;
  server.registerTool(name, declaration, guarded);
}
