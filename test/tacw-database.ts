// Helpers for the TAC-Warning tests that need a real PostgreSQL: find one, make a fresh
// database for one test file, drop it afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the tests look for PostgreSQL: TACW_TEST_DATABASE_URL, else the role .ci/run creates on loopback. */
const TEST_DATABASE_URL = process.env.TACW_TEST_DATABASE_URL ?? 'postgres://tacw:tacw@127.0.0.1:5432/tacw';

/** A database of its own for one test file; drop() removes it. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates a scratch database next to TEST_DATABASE_URL's, or returns undefined when no
 * PostgreSQL answers there. Under CI a missing PostgreSQL is an error, not a skip.
 */
export async function scratchDatabase(): Promise<ScratchDatabase | undefined> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await admin.connect();
  } catch (e) {
    if (process.env.CI) throw new Error(`CI is set but no PostgreSQL answers at ${TEST_DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (.ci/run starts one): ${(e as Error).message}`, { cause: e });
    return undefined;
  }
  const name = `tacw_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
