import type { Exposure, TokenHit } from '../domain/exposure.js';
import type { StatusToken } from '../domain/status-request.js';
import { MIGRATIONS, VERSION_TABLE } from './schema.js';
import type { SqlRunner } from './sql-runner.js';
import { LookupBatcher } from './lookup-batcher.js';

/** Outcome of recording a report: `replayed` means its JWT was used before and nothing was stored. */
export type RecordOutcome = 'stored' | 'replayed';

/**
 * Where exposed visits and used report JWTs live. The server knows only this.
 *
 * Why so small: the HTTP layer needs four things (record a report, look up tokens, purge,
 * count), and a fake of four methods is what a handler test needs.
 */
export interface ExposureStore {
  /** Consumes the JWT `jti` and stores every exposure as maxSalt token rows, in one transaction. */
  recordReport(jti: string, jwtExpiresAt: number, exposures: readonly Exposure[], maxSalt: number): Promise<RecordOutcome>;
  /** The stored intervals holding each token's time, summed per token and risk level. */
  lookup(tokens: readonly StatusToken[]): Promise<TokenHit[]>;
  /** Deletes exposed visits and used JWTs that expired before `now` (NTP seconds). */
  purge(now: number): Promise<{ visits: number; codes: number }>;
  stats(): Promise<{ exposedTokens: number; usedCodes: number }>;
  close(): Promise<void>;
  readonly label: string;
}

const INSERT_EXPOSURES = `
INSERT INTO exposed_static_visit (token, start_ntp, end_ntp, risk_level, threshold, exposures, expires_at)
SELECT sha256(convert_to(g.salt::text || e.uuid, 'UTF8')), e.s, e.e, e.rl, e.th, e.ex, e.exp
  FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int2[], $5::int4[], $6::int4[], $7::int8[]) AS e(uuid, s, e, rl, th, ex, exp)
 CROSS JOIN generate_series(1, $8::int4) AS g(salt)
    ON CONFLICT (token, start_ntp, end_ntp) DO UPDATE
   SET exposures  = exposed_static_visit.exposures + EXCLUDED.exposures,
       threshold  = least(exposed_static_visit.threshold, EXCLUDED.threshold),
       risk_level = greatest(exposed_static_visit.risk_level, EXCLUDED.risk_level),
       expires_at = greatest(exposed_static_visit.expires_at, EXCLUDED.expires_at)`;

// The overlap test: each requested (token, time) against the stored intervals of that
// token, walking the primary key (token, start_ntp, end_ntp).
const LOOKUP = `
SELECT r.i::int4 AS index, r.t AS time, e.risk_level::int4 AS risk_level,
       sum(e.exposures)::int4 AS exposures, min(e.threshold)::int4 AS threshold
  FROM unnest($1::text[], $2::int8[]) WITH ORDINALITY AS r(h, t, i)
  JOIN exposed_static_visit e
    ON e.token = decode(r.h, 'hex') AND e.start_ntp <= r.t AND e.end_ntp >= r.t
 GROUP BY r.i, r.t, e.risk_level`;

/**
 * The one implementation of ExposureStore, over PGlite or pg.
 *
 * Why tokens are hashed in SQL (sha256(convert_to(salt || uuid))): a report of 250 visits
 * is 250,000 rows; sending 250 uuids and letting the database expand them is far less
 * traffic than 8 MB of hashes. The domain's visitToken() is the same function (tested).
 */
export class SqlExposureStore implements ExposureStore {
  private readonly batcher = new LookupBatcher((tokens) => this.lookupNow(tokens));

  private constructor(private readonly db: SqlRunner) {}

  get label(): string {
    return this.db.label;
  }

  /** Opens the store and applies the migrations it has not seen yet. */
  static async open(db: SqlRunner): Promise<SqlExposureStore> {
    await db.exec(VERSION_TABLE);
    const done = new Set((await db.query<{ version: number }>('SELECT version FROM tacw_schema_version')).map((r) => Number(r.version)));
    for (let i = 0; i < MIGRATIONS.length; i++) {
      const version = i + 1;
      if (done.has(version)) continue;
      await db.transaction(async (tx) => {
        for (const stmt of MIGRATIONS[i]!.split(/;\s*(?:\n|$)/).filter((s) => s.trim())) await tx.query(stmt);
        await tx.query('INSERT INTO tacw_schema_version (version) VALUES ($1)', [version]);
      });
    }
    return new SqlExposureStore(db);
  }

  async recordReport(jti: string, jwtExpiresAt: number, exposures: readonly Exposure[], maxSalt: number): Promise<RecordOutcome> {
    return this.db.transaction(async (tx) => {
      const used = await tx.query('INSERT INTO used_report_jwt (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING RETURNING jti', [jti, jwtExpiresAt]);
      if (used.length === 0) return 'replayed';
      if (exposures.length > 0) {
        await tx.query(INSERT_EXPOSURES, [
          exposures.map((e) => e.uuid),
          exposures.map((e) => e.start),
          exposures.map((e) => e.end),
          exposures.map((e) => e.riskLevel),
          exposures.map((e) => e.threshold),
          exposures.map((e) => e.exposures),
          exposures.map((e) => e.expiresAt),
          maxSalt,
        ]);
      }
      return 'stored';
    });
  }

  /** On a pool, lookups at the same moment share one query (lookup-batcher.ts). */
  lookup(tokens: readonly StatusToken[]): Promise<TokenHit[]> {
    return this.db.pooled ? this.batcher.lookup(tokens) : this.lookupNow(tokens);
  }

  private async lookupNow(tokens: readonly StatusToken[]): Promise<TokenHit[]> {
    if (tokens.length === 0) return [];
    const rows = await this.db.query<{ index: number; time: string | number; risk_level: number; exposures: number; threshold: number }>(
      LOOKUP,
      [tokens.map((t) => t.payload), tokens.map((t) => t.time)],
      'tacw_lookup',
    );
    return rows.map((r) => ({ index: r.index - 1, time: Number(r.time), riskLevel: r.risk_level, exposures: r.exposures, threshold: r.threshold }));
  }

  async purge(now: number): Promise<{ visits: number; codes: number }> {
    return this.db.transaction(async (tx) => {
      const v = await tx.query<{ n: number }>('WITH d AS (DELETE FROM exposed_static_visit WHERE expires_at < $1 RETURNING 1) SELECT count(*)::int4 AS n FROM d', [now]);
      const c = await tx.query<{ n: number }>('WITH d AS (DELETE FROM used_report_jwt WHERE expires_at < $1 RETURNING 1) SELECT count(*)::int4 AS n FROM d', [now]);
      return { visits: v[0]!.n, codes: c[0]!.n };
    });
  }

  async stats(): Promise<{ exposedTokens: number; usedCodes: number }> {
    const r = await this.db.query<{ t: number; c: number }>(
      'SELECT (SELECT count(*) FROM exposed_static_visit)::int4 AS t, (SELECT count(*) FROM used_report_jwt)::int4 AS c',
    );
    return { exposedTokens: r[0]!.t, usedCodes: r[0]!.c };
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
