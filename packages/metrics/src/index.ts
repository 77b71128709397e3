export { type PrometheusInput, renderPrometheus } from './prometheus.js';
export { type ResourceUsage, unmeasuredUsage } from './resource-usage.js';
export { createSystemUsageMeter, type SystemUsage, type SystemUsageMeter } from './system-usage.js';
export { createTaskSampler, type TaskSampler, type TaskSamplerOptions } from './task-sampler.js';
