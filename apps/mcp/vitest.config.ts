import { claudineProject } from '@claudine/vitest-preset';

// End-to-end tests start the server and real hosts: they get more time.
export default claudineProject({ name: 'mcp', testTimeout: 60_000 });
