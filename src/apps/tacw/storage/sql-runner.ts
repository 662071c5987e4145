/** Parameters of a query: what both drivers accept. */
export type SqlParam = string | number | null | readonly string[] | readonly number[];

/** Something that runs one parameterised statement and returns its rows. */
export interface SqlQuery {
  /** `name` lets a driver that can (pg) prepare the statement once per connection. */
  query<R>(text: string, params?: readonly SqlParam[], name?: string): Promise<R[]>;
}

/**
 * The few things the store needs from a database driver; PGlite and pg each get a
 * ten-line adapter.
 *
 * Why this seam and not two stores: the SQL is the logic (overlap, upsert, replay check),
 * so it must be one text run by both; only connecting and transactions differ.
 */
export interface SqlRunner extends SqlQuery {
  /** Several statements at once, no parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlQuery) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Names the database for logs: "PGlite 0.5.17 (PostgreSQL 18.x)", "PostgreSQL 15.x at host". */
  readonly label: string;
  /**
   * A pool of connections (pg): status lookups made at the same moment then go as one
   * query (lookup-batcher.ts). PGlite runs one statement at a time in this process, and its
   * unprepared plan for a long token list was slower: measured 371 against 974 req/s.
   */
  readonly pooled?: boolean;
}
