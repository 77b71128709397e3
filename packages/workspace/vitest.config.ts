import { claudineProject } from '@claudine/vitest-preset';

export default claudineProject({ name: 'workspace', testTimeout: 60_000 });
