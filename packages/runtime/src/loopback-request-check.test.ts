import { describe, expect, it } from 'vitest';
import { refuseNonLoopbackRequest } from './loopback-request-check.js';

describe('refuseNonLoopbackRequest', () => {
  it('accepts loopback hosts on any port, with or without a loopback origin', () => {
    for (const host of ['localhost', 'localhost:7433', '127.0.0.1:7433', '[::1]:7433', 'LOCALHOST:1']) {
      expect(refuseNonLoopbackRequest(host, undefined), host).toBeUndefined();
    }
    expect(refuseNonLoopbackRequest('127.0.0.1:7433', 'http://localhost:3000')).toBeUndefined();
    expect(refuseNonLoopbackRequest('127.0.0.1:7433', 'https://127.0.0.1')).toBeUndefined();
  });

  it('refuses other hosts, tricks and foreign origins, saying why', () => {
    for (const host of [
      'evil.example',
      'evil.example:7433',
      '127.0.0.1.evil.example',
      'localhost@evil.example',
      '0.0.0.0:7433',
      '10.0.0.2',
      'localhost/x',
    ]) {
      expect(refuseNonLoopbackRequest(host, undefined), host).toMatch(/^Invalid Host header/);
    }
    expect(refuseNonLoopbackRequest(undefined, undefined)).toBe('Missing Host header.');
    for (const origin of ['http://evil.example', 'null', 'file://', 'http://localhost.evil.example:7433', 'chrome-extension://abc']) {
      expect(refuseNonLoopbackRequest('localhost:7433', origin), origin).toMatch(/^Invalid Origin header/);
    }
  });
});
