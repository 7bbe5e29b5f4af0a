import { expect } from 'vitest';
import { KocError } from '../../src/shared/errors.ts';

/** Awaits a promise that must reject with a KocError, and returns that error for assertions on its code. */
export async function rejection(promise: Promise<unknown>): Promise<KocError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KocError);
    return error as KocError;
  }
  throw new Error('expected a KocError, got success');
}
