/**
 * Waiting for things in tests without sleeping: every wait has a deadline and names what it waited for, and clears
 * its timer when it settles so vitest has no open handle to wait on.
 */

export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

interface Emitter {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
}

/** The first `event` whose first argument passes `accept`, within `ms`. Start waiting before causing the event. */
export function nextEvent<T = any>(
  emitter: Emitter,
  event: string,
  ms: number,
  accept: (value: T) => boolean = () => true,
): Promise<T> {
  let listener: ((value: T) => void) | undefined;
  const seen = new Promise<T>((resolve) => {
    listener = (value: T) => {
      let ok = false;
      try {
        ok = accept(value);
      } catch {
        ok = false;
      }
      if (ok) resolve(value);
    };
    emitter.on(event, listener);
  });
  return within(seen, ms, `'${event}'`).finally(() => emitter.off(event, listener!));
}
