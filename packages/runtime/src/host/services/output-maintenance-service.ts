import type { OutputMaintenance } from '@claudine/runner';
import type { HostService } from './host-service.js';

/**
 * The output maintenance as a service: nothing to start (runs hand it the segments they close),
 * and stop waits for the compressions in flight. It stops after the claim loop, whose stopping
 * runs still close segments.
 */
export function outputMaintenanceService(maintenance: OutputMaintenance): HostService {
  return { name: 'output maintenance', start: () => {}, stop: () => maintenance.stop() };
}
