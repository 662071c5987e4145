import pg from 'pg';
import type { SqlParam, SqlQuery, SqlRunner } from './sql-runner.js';

/**
 * The first connection, retried for up to waitMs while the database is not up yet.
 *
 * Why: in a lab the database may be a node that starts after the server; waiting a bounded
 * time for it is what a service does, an endless wait would hide a wrong URL.
 */
async function connectWithin(pool: pg.Pool, waitMs: number): Promise<pg.PoolClient> {
  const deadline = Date.now() + waitMs;
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await pool.connect();
    } catch (e) {
      const code = (e as { code?: string }).code;
      const transient = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET' || code === '57P03' /* starting up */;
      if (!transient || Date.now() + delay > deadline) {
        await pool.end().catch(() => undefined);
        throw e;
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * A real PostgreSQL reached through a pg connection pool.
 *
 * Why a pool of 10: status requests are independent reads; a few connections let the
 * database work while Node parses the next request, more only queue on 2 cores.
 */
export async function openPgRunner(connectionString: string, max = 10, waitMs = 0): Promise<SqlRunner> {
  const pool = new pg.Pool({ connectionString, max });
  pool.on('error', () => undefined); // an idle client's lost connection; the next query reconnects
  const client = await connectWithin(pool, waitMs);
  let version: string;
  try {
    version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?';
  } finally {
    client.release();
  }
  const q = (target: pg.Pool | pg.PoolClient): SqlQuery => ({
    async query<R>(text: string, params: readonly SqlParam[] = [], name?: string): Promise<R[]> {
      const res = await target.query({ text, values: params as unknown[], ...(name ? { name } : {}) });
      return res.rows as R[];
    },
  });
  const host = new URL(connectionString).host || 'local socket';
  return {
    label: `PostgreSQL ${version} at ${host}`,
    pooled: true,
    ...q(pool),
    async exec(text) {
      await pool.query(text);
    },
    async transaction(fn) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn(q(c));
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
    },
    close: () => pool.end(),
  };
}
