import { describe, expect, it } from 'vitest';
import { type HostService, startServices, stopServices } from './host-service.js';

function recording(name: string, calls: string[], fail?: 'start' | 'stop'): HostService {
  return {
    name,
    async start() {
      calls.push(`start ${name}`);
      if (fail === 'start') throw new Error(`${name} cannot start`);
    },
    stop() {
      calls.push(`stop ${name}`);
      if (fail === 'stop') throw new Error(`${name} cannot stop`);
    },
  };
}

describe('host services', () => {
  it('start in order and stop in the reverse order', async () => {
    const calls: string[] = [];
    const services = [recording('a', calls), recording('b', calls), recording('c', calls)];
    await startServices(services, () => {});
    await stopServices(services, () => {});
    expect(calls).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
  });

  it('stop the ones started when one fails to start, and rethrow', async () => {
    const calls: string[] = [];
    const services = [recording('a', calls), recording('b', calls, 'start'), recording('c', calls)];
    await expect(startServices(services, () => {})).rejects.toThrow('b cannot start');
    expect(calls).toEqual(['start a', 'start b', 'stop a']);
  });

  it('log a stop that throws and still stop the others', async () => {
    const calls: string[] = [];
    const lines: string[] = [];
    const services = [recording('a', calls), recording('b', calls, 'stop')];
    await stopServices(services, (line) => lines.push(line));
    expect(calls).toEqual(['stop b', 'stop a']);
    expect(lines).toEqual(['could not stop the b: b cannot stop']);
  });
});
