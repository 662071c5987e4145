import { SqlExposureStore, type ExposureStore } from './exposure-store.js';
import { openPgRunner } from './pg-runner.js';
import { openPgliteRunner } from './pglite-runner.js';

/** Which database to use: a PostgreSQL URL, else PGlite in a directory (or in memory). */
export interface StoreOptions {
  databaseUrl?: string;
  dataDir?: string;
  /** How long to wait for a PostgreSQL that is not up yet (ms, default 0). */
  waitMs?: number;
}

/**
 * Opens the configured database and migrates it.
 *
 * Why one entry: the server, the tests and the bench choose a database the same way.
 */
export async function openStore(opts: StoreOptions): Promise<ExposureStore> {
  const runner = opts.databaseUrl ? await openPgRunner(opts.databaseUrl, 10, opts.waitMs ?? 0) : await openPgliteRunner(opts.dataDir);
  try {
    return await SqlExposureStore.open(runner);
  } catch (e) {
    await runner.close().catch(() => undefined);
    throw e;
  }
}
