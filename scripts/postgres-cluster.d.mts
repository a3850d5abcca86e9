/** The newest installed PostgreSQL server's bin directory (/usr/lib/postgresql/<version>/bin), if any. */
export const postgresBin: string | undefined;
/** Why Postgres tests are skipped here (a skip's name), or undefined where Postgres is installed. */
export const postgresMissing: string | undefined;

export interface TestPostgres {
  /** `postgresql://refundkit@/refundkit?host=<socket dir>`: no password, trust authentication on the socket. */
  url: string;
  /** The socket directory, also the cluster's home. */
  dir: string;
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway cluster (a few seconds). Call `stop()` when done (`afterAll`). By default it never
 * flushes commits to disk (fsync, synchronous_commit, full_page_writes off); `durable: true` keeps
 * PostgreSQL's defaults (every commit flushed).
 */
export function startPostgres(options?: { durable?: boolean }): Promise<TestPostgres>;
