/**
 * The database schema, as numbered migrations; the same SQL runs on PGlite and on a real
 * PostgreSQL (15 in Debian, 18 in PGlite), so nothing here may depend on either's extras.
 *
 * exposed_static_visit holds one row per (token, interval): token = sha256(salt || uuid)
 * as 32 bytes for every salt 1..max_salt of a reported venue. Its primary key
 * (token, start_ntp, end_ntp) is also the index the status query's overlap test walks:
 * equality on token, then the range on start_ntp, end_ntp checked on the few rows left.
 * A second report of the same venue and interval adds to `exposures` instead of adding rows.
 *
 * used_report_jwt remembers the `jti` of every JWT a report consumed until that JWT
 * expires, so a replayed report is refused (the seed's one-time codes).
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE exposed_static_visit (
     token      bytea    NOT NULL,
     start_ntp  bigint   NOT NULL,
     end_ntp    bigint   NOT NULL,
     risk_level smallint NOT NULL,
     threshold  integer  NOT NULL,
     exposures  integer  NOT NULL,
     expires_at bigint   NOT NULL,
     PRIMARY KEY (token, start_ntp, end_ntp),
     CHECK (start_ntp <= end_ntp),
     CHECK (exposures > 0 AND threshold > 0)
   );
   CREATE INDEX exposed_static_visit_expires ON exposed_static_visit (expires_at);
   CREATE TABLE used_report_jwt (
     jti        text   PRIMARY KEY,
     expires_at bigint NOT NULL
   );
   CREATE INDEX used_report_jwt_expires ON used_report_jwt (expires_at);`,
];

/** The bookkeeping table migrations are recorded in. */
export const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS tacw_schema_version (
  version    integer     PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;
