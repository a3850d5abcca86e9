// The durable journal for one machine: PGlite, Postgres compiled to WebAssembly, in this process — no server
// to run. Its data directory survives restarts, but PGlite is single-user: one process at a time may open a
// data directory (a lock file beside it, `<dataDir>.lock`, refuses a second one). For several processes or
// machines, use `postgresJournal`.
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RefundJournal } from '@refundkit/core';
import { requireStringOption } from '@refundkit/core';
import {
  type SqlDatabase,
  type SqlJournalOptions,
  type SqlSession,
  sqlJournal,
  tableNames,
} from './sql-journal.js';

/** What the journal uses of a PGlite instance (`@electric-sql/pglite` 0.5). */
export interface PGliteLike extends SqlSession {
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type PgliteJournalOptions = SqlJournalOptions &
  (
    | {
        /** Where the database's files live, created if missing. One process at a time. */
        dataDir: string;
        pglite?: undefined;
      }
    | {
        /** A PGlite instance of yours: the journal leaves it open on `close()`. */
        pglite: PGliteLike;
        dataDir?: undefined;
      }
  );

const owner = 'pgliteJournal';

/**
 * Takes `<dataDir>.lock` for this process: PGlite 0.5 does not refuse a second process on its files (tried:
 * two processes on one directory both opened it, and a row one of them inserted was gone). A lock left by a
 * process that is gone is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const path = `${dataDir}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  const unique = () => `${path}.${process.pid}.${crypto.randomUUID()}`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    // Written whole under a name of its own, then linked into place: the lock never exists without its pid.
    const mine = unique();
    writeFileSync(mine, String(process.pid));
    try {
      linkSync(mine, path);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(mine, { force: true });
    }
    const pid = Number(readFileSync(path, 'utf8'));
    if (pid === process.pid) throw new Error(`${owner}: ${dataDir} is already open in this process.`);
    if (isAlive(pid)) {
      throw new Error(`${owner}: ${dataDir} is open in process ${pid}; PGlite is one process at a time.`);
    }
    // A dead holder's lock is moved aside, atomically, and checked: when another process took it over
    // first, what was moved is that process's live lock, which goes back into place.
    const aside = unique();
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      continue;
    }
    const moved = Number(readFileSync(aside, 'utf8'));
    if (moved !== pid && isAlive(moved)) {
      try {
        linkSync(aside, path);
      } finally {
        rmSync(aside, { force: true });
      }
      throw new Error(`${owner}: ${dataDir} is open in process ${moved}; PGlite is one process at a time.`);
    }
    rmSync(aside, { force: true });
  }
  throw new Error(`${owner}: could not take ${path}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function database(db: PGliteLike, owned: boolean, unlock = () => {}): SqlDatabase {
  return {
    query: (text, values) => db.query(text, values),
    // PGlite runs one statement at a time and holds other queries back while a transaction is open.
    transaction: (work) => db.transaction(work),
    close: async () => {
      if (owned) await db.close();
      unlock();
    },
  };
}

/** A refund journal in an embedded PGlite database: durable, for one process. */
export function pgliteJournal(options: PgliteJournalOptions): RefundJournal {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${owner}: options are required.`);
  const tables = tableNames(owner, options);
  if (options.pglite !== undefined) {
    if (typeof options.pglite?.query !== 'function' || typeof options.pglite.transaction !== 'function')
      throw new TypeError(`${owner}: option "pglite" must be a PGlite instance.`);
    const db = options.pglite;
    return sqlJournal(async () => database(db, false), tables);
  }
  const dataDir = requireStringOption(options, owner, 'dataDir');
  return sqlJournal(async () => {
    const unlock = lockDataDir(dataDir);
    try {
      const { PGlite } = await import('@electric-sql/pglite');
      return database((await PGlite.create(dataDir)) as unknown as PGliteLike, true, unlock);
    } catch (error) {
      unlock();
      throw error;
    }
  }, tables);
}
