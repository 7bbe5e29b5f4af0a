/**
 * Timers as a port: the bots' reconnects, the engine driver's sleeps and the demo's pace use these, so tests can
 * record the delays asked for and fire them by hand instead of waiting.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
