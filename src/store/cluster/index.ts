/** What several processes on one PostgreSQL database share beyond the engine store (docs/scaling.md). */
import type pg from 'pg';
import { markTakenOverInDoubt } from '../engine/outbox.ts';
import { driverSql } from '../engine/sql.ts';
import { createLeaseStore, type LeaseStore } from './leases.ts';
import { createWorkLock, type WorkLock } from './workLock.ts';

export { BOT_ROLES, type LeaseRow, type LeaseStore, type ProcessRole } from './leases.ts';
export type { WorkLock } from './workLock.ts';

export interface ClusterStore {
  leases: LeaseStore;
  workLock: WorkLock;
  /** An account taken over: its rows `sending` under another process → in_doubt (src/store/engine/outbox.ts). */
  markTakenOverInDoubt(processId: string, accounts: readonly string[], at: Date): Promise<number>;
}

export function createClusterStore(pool: pg.Pool): ClusterStore {
  const sql = driverSql({ kind: 'postgres', pool });
  return {
    leases: createLeaseStore(sql),
    workLock: createWorkLock(pool),
    markTakenOverInDoubt: (processId, accounts, at) => markTakenOverInDoubt(sql, processId, accounts, at),
  };
}
