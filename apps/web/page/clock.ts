import { useEffect, useState } from 'preact/hooks';

/**
 * The time now, re-rendering every `intervalMs` while `active` (run times of running tasks
 * count up). Only the display ticks: data comes from the server's events.
 */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
  return active ? now : Date.now();
}
