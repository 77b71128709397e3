import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the fake `claude` executable. It accepts the flags Claudine passes to the
 * real CLI, reads the prompt from stdin and answers in Claude Code's stream-json format. Its
 * behaviour is set by `[[fake: ...]]` directives in the prompt or the `FAKE_CLAUDE` environment
 * variable (see bin/fake-claude.mjs for the directives).
 */
export const fakeClaudePath: string = fileURLToPath(new URL('../bin/fake-claude.mjs', import.meta.url));
