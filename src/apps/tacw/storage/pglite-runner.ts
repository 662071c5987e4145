import { PGlite } from '@electric-sql/pglite';
import type { SqlParam, SqlQuery, SqlRunner } from './sql-runner.js';

/**
 * PGlite (PostgreSQL in WASM) inside this process, kept in `dataDir` or in memory.
 *
 * Why the default: `./lab up topologies/tacw.yaml` must run with nothing installed, and
 * a directory on disk survives a server restart like a real cluster's data does.
 */
export async function openPgliteRunner(dataDir?: string): Promise<SqlRunner> {
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  const version = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?';
  const q = (target: { query: PGlite['query'] }): SqlQuery => ({
    async query<R>(text: string, params: readonly SqlParam[] = []): Promise<R[]> {
      return (await target.query<R>(text, params as unknown[])).rows;
    },
  });
  return {
    label: `PGlite (PostgreSQL ${version})${dataDir ? ` in ${dataDir}` : ' in memory'}`,
    ...q(db),
    async exec(text) {
      await db.exec(text);
    },
    transaction: (fn) => db.transaction((tx) => fn(q(tx as unknown as { query: PGlite['query'] }))),
    close: () => db.close(),
  };
}
