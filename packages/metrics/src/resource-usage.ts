import type { MissingFigure, TaskMetrics } from '@claudine/core';

/** The resource figures of a task's metrics: what its process tree consumed. */
export type ResourceUsage = Pick<
  TaskMetrics,
  | 'cpuUserMs'
  | 'cpuSystemMs'
  | 'memoryCurrentBytes'
  | 'memoryPeakBytes'
  | 'memoryAverageBytes'
  | 'readBytes'
  | 'writeBytes'
  | 'readOps'
  | 'writeOps'
  | 'diskReadBytes'
  | 'diskWriteBytes'
  | 'processesCurrent'
  | 'processesPeak'
  | 'processesSeen'
  | 'samples'
  | 'method'
  | 'missing'
>;

/** Usage with nothing measured, each figure named as missing for `reason`. */
export function unmeasuredUsage(reason: string): ResourceUsage {
  const missing: MissingFigure[] = (['cpu', 'memory', 'io', 'processes'] as const).map((figure) => ({ figure, reason }));
  return {
    cpuUserMs: null,
    cpuSystemMs: null,
    memoryCurrentBytes: null,
    memoryPeakBytes: null,
    memoryAverageBytes: null,
    readBytes: null,
    writeBytes: null,
    readOps: null,
    writeOps: null,
    diskReadBytes: null,
    diskWriteBytes: null,
    processesCurrent: null,
    processesPeak: null,
    processesSeen: null,
    samples: 0,
    method: 'none',
    missing,
  };
}
