import { claudineProject } from '@claudine/vitest-preset';

// End-to-end tests drive a real browser against the built dashboard and real hosts: they get more time.
export default claudineProject({ name: 'web', testTimeout: 120_000 });
