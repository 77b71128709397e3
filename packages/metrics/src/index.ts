export type { CpuTicks, IoCounters } from './proc-reader.js';
export { type PrometheusInput, renderPrometheus } from './prometheus.js';
export { type ResourceUsage, unmeasuredUsage } from './resource-usage.js';
export { createSystemUsageMeter, type SystemUsage, type SystemUsageMeter } from './system-usage.js';
export { createTaskSampler, type TaskSampler, type TaskSamplerOptions } from './task-sampler.js';
export type { ReapedTotals } from './task-usage.js';
