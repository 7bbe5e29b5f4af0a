/**
 * A migration-aware driver adapter factory over PGlite, for the WASM schema engine.
 *
 * pglite-prisma-adapter 0.7.2 ships one (`PrismaPGlite`), used here for the adapters themselves, with two fixes:
 * - its `executeScript` does not await `PGlite.exec`, so a failing script is reported as success to the engine and
 *   the error surfaces later as an unhandled rejection (a broken migration would be silently skipped on the shadow
 *   database). We replace it with an awaited version that reports the PostgreSQL error to the engine.
 * - its `connectToShadowDb` creates `new PGlite('memory://shadow')` and never closes it. We create the shadow
 *   ourselves and close it when the engine disposes of it — or, with `shadow: 'main'`, reuse the main database
 *   (for `diff`, which never touches the main database: saves a ~3.5 s PGlite start).
 */
import { PGlite } from '@electric-sql/pglite';
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';

export interface PGliteMigrationFactoryOptions {
  /**
   * Where shadow databases come from. Default: a new in-memory PGlite per shadow connection (closed on dispose).
   * 'main': the main database is the shadow (only for `diff`, which never reads the main database).
   * A function: creates the shadow PGlite (e.g. from an empty snapshot, which starts faster); closed on dispose.
   */
  shadow?: 'main' | (() => Promise<PGlite>);
}

export function pgliteMigrationFactory(
  main: PGlite,
  options: PGliteMigrationFactoryOptions = {},
): SqlMigrationAwareDriverAdapterFactory {
  const factory = new PrismaPGlite(main);
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      return fixAdapter(await factory.connect(), main);
    },
    async connectToShadowDb() {
      if (options.shadow === 'main') return fixAdapter(await factory.connect(), main);
      const shadow = await (options.shadow ?? (() => PGlite.create()))();
      const adapter = fixAdapter(await new PrismaPGlite(shadow).connect(), shadow);
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await shadow.close();
      };
      return adapter;
    },
  };
}

function fixAdapter(adapter: SqlDriverAdapter, db: PGlite): SqlDriverAdapter {
  adapter.executeScript = async (script: string) => {
    try {
      await db.exec(script);
    } catch (error) {
      throw toDriverAdapterError(error);
    }
  };
  return adapter;
}

function toDriverAdapterError(error: unknown): unknown {
  if (!(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') return error;
  const e = error as Error & { code: string; severity?: string; detail?: string; column?: string; hint?: string };
  return new DriverAdapterError({
    kind: 'postgres',
    code: e.code,
    severity: e.severity ?? 'ERROR',
    message: e.message,
    detail: e.detail,
    column: e.column,
    hint: e.hint,
  });
}
