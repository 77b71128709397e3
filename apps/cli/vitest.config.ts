import { claudineProject } from '@claudine/vitest-preset';

// End-to-end tests run the built binary and real hosts: they get more time.
export default claudineProject({ name: 'cli', testTimeout: 60_000 });
