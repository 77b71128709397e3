import { describe, expect, it } from 'vitest';
import { useMcpHome } from './mcp-session.test-helper.js';

// What the tools tell the model follows this server's configuration, not the defaults.

const mcp = useMcpHome();

async function timeoutDescription(settings: Record<string, string>): Promise<string | undefined> {
  const session = await mcp.open({ settings });
  const { tools } = await session.client.listTools();
  const delegate = tools.find((tool) => tool.name === 'DelegateTask');
  const properties = (delegate?.inputSchema.properties ?? {}) as Record<string, { description?: string }>;
  const description = properties.timeoutSeconds?.description;
  await session.close();
  return description;
}

describe('DelegateTask', () => {
  it("describes the timeout the server's configuration gives (timeout.default and timeout.max)", async () => {
    const configured = await timeoutDescription({ CLAUDINE_TIMEOUT_DEFAULT: '90s', CLAUDINE_TIMEOUT_MAX: '10m' });
    expect(configured).toContain('default 90, at most 600');
    expect(configured).toContain('1 min 30 s and 10 min');
    expect(configured).not.toContain('1800');
    const defaults = await timeoutDescription({});
    expect(defaults).toContain('default 1800, at most 7200');
  });
});
