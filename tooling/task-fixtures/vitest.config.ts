import { claudineProject } from '@claudine/vitest-preset';

export default claudineProject({ name: 'task-fixtures' });
