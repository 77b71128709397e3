import type { HostMetrics } from '../../metrics/host-metrics.js';
import type { HostService } from './host-service.js';

/**
 * The host's metrics as a service. A failed start (a `/metrics` address in use, say) is logged
 * and the host runs on without them: metrics never keep tasks from running.
 */
export function metricsService(metrics: HostMetrics, log: (line: string) => void): HostService {
  return {
    name: 'metrics',
    async start() {
      try {
        await metrics.start();
      } catch (error) {
        log(`metrics: ${(error as Error).message}`);
      }
    },
    stop: () => metrics.stop(),
  };
}
