import type { EngineDeps } from './ports.ts';

/** Calls an observer hook: a live log that throws must not change what the engine does. */
export function observe(deps: Pick<EngineDeps, 'logger'>, call: () => void): void {
  try {
    call();
  } catch (error) {
    deps.logger.warn({ err: error }, 'engine observer failed (ignored)');
  }
}
