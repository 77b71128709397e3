/** Source of new task ids (see `formatTaskId`); random in production, predictable in tests. */
export interface IdGenerator {
  taskId(): string;
}
