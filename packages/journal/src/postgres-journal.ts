// The journal for many instances: PostgreSQL through node-postgres (`pg`), a peer dependency loaded only
// when this store builds its own pool. Every instance pointed at the same database and tables shares one
// journal: keys, references and leases hold across processes and machines.
import type { RefundJournal } from '@refundkit/core';
import { requireStringOption } from '@refundkit/core';
import {
  type SqlDatabase,
  type SqlJournalOptions,
  type SqlRow,
  type SqlSession,
  sqlJournal,
  tableNames,
} from './sql-journal.js';

/** What the journal uses of a `pg` Pool (a `new Pool()` of node-postgres 8 is one). */
export interface PgPool {
  query(text: string, values?: unknown[]): Promise<{ rows: SqlRow[] }>;
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}

export interface PgPoolClient extends SqlSession {
  release(destroy?: boolean): void;
}

export type PostgresJournalOptions = SqlJournalOptions &
  (
    | {
        /** A pool of yours: the journal queries through it and leaves it open on `close()`. */
        pool: PgPool;
        connectionString?: undefined;
      }
    | {
        /**
         * `postgres://user:password@host:port/database` (or a `host=/socket/dir` form): the journal opens a
         * `pg` Pool of its own and ends it on `close()`. Never shown in errors or logs.
         */
        connectionString: string;
        pool?: undefined;
        /** Connections the journal's pool opens at most. Default 10 (`pg`'s). */
        maxConnections?: number;
      }
  );

const owner = 'postgresJournal';

function database(pool: PgPool, owned: boolean): SqlDatabase {
  return {
    query: (text, values) => pool.query(text, values),
    async transaction(work) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('begin');
        const result = await work(client);
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        // A connection whose rollback failed is in an unknown state: dropped, not returned to the pool.
        client.release(broken);
      }
    },
    close: async () => {
      if (owned) await pool.end();
    },
  };
}

/**
 * A refund journal in PostgreSQL, for any number of processes and machines sharing one database. Its tables
 * are created, and migrated, on first use (see the README for the schema).
 */
export function postgresJournal(options: PostgresJournalOptions): RefundJournal {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${owner}: options are required.`);
  const tables = tableNames(owner, options);
  if (options.pool !== undefined) {
    if (options.connectionString !== undefined)
      throw new TypeError(`${owner}: give option "pool" or "connectionString", not both.`);
    if (typeof options.pool?.query !== 'function' || typeof options.pool.connect !== 'function')
      throw new TypeError(`${owner}: option "pool" must be a pg Pool.`);
    const pool = options.pool;
    return sqlJournal(async () => database(pool, false), tables);
  }
  const connectionString = requireStringOption(options, owner, 'connectionString');
  const max = options.maxConnections ?? 10;
  if (!Number.isSafeInteger(max) || max < 1)
    throw new TypeError(`${owner}: option "maxConnections" must be a positive integer.`);
  return sqlJournal(async () => {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString, max });
    // An idle connection that breaks (server restart) is reported here; the next query fails and reports it.
    // Without a listener, node would end the process.
    pool.on('error', () => {});
    return database(pool as unknown as PgPool, true);
  }, tables);
}
