import type { Clock } from '../domain/types.ts';

/** The production clock: the only place outside tests where kocflow asks the OS for the time. */
export const systemClock: Clock = { now: () => new Date() };
