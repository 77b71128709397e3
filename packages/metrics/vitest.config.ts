import { claudineProject } from '@claudine/vitest-preset';

export default claudineProject({ name: 'metrics', testTimeout: 60_000 });
