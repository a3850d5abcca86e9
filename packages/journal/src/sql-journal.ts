// The journal both stores share: they speak Postgres (a server through `pg`, or PGlite in process), so the
// schema, the migrations and every statement are written once, here, over a minimal driver interface.
//
// Choices, and why:
// - Times come from the database clock (`clock_timestamp()`), never the instance's: a lease taken on one
//   machine expires at the same instant for every other, whatever their clocks say.
// - Leases are rows with an expiry, taken by a conditional upsert (`on conflict … do update … where` the lease
//   is free, expired or already the holder's), not advisory locks: an advisory lock belongs to one connection,
//   which a pool hands out per query and PGlite does not have, and it cannot expire while its connection lives.
// - Uniqueness is the database's: the entry's primary key is (account, key), and a partial unique index holds
//   (account, payment, reference) among entries that are not `not_made`, so concurrent `record`s cannot both
//   write, in any process.
// - A transition is one statement (so one transaction) that first locks the holder's unexpired lease row
//   (`for share`) and writes only if it found it: a takeover of an expired lease waits for that transaction,
//   so nobody reads an entry a fenced-out holder is still writing.
// - JSON columns are `json` (kept as written) and read back as text, so SQL NULL (`undefined`) and JSON
//   `null` stay apart and no driver's JSON parsing is involved.
import {
  type JournalEntry,
  type JournalIntent,
  type JournalTransition,
  type RefundJournal,
  requireStringOption,
} from '@refundkit/core';

/** One row of a result, as the driver returns it. */
export type SqlRow = Record<string, unknown>;

/** What the stores need of a driver: parameterized queries, and a transaction on one connection. */
export interface SqlSession {
  query(text: string, values?: unknown[]): Promise<{ rows: SqlRow[] }>;
}

export interface SqlDatabase extends SqlSession {
  /** Runs `work` in a transaction on one connection: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SqlJournalOptions {
  /** The Postgres schema the tables live in; created if missing. Default `public`. */
  schema?: string;
  /** Prefix of the table names: `<prefix>entries`, `<prefix>leases`, `<prefix>migrations`. Default `refundkit_journal_`. */
  tablePrefix?: string;
}

const identifier = {
  pattern: /^[a-z_][a-z0-9_]{0,39}$/,
  description: 'a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 40 characters)',
};

/** The schema and table prefix, checked before any statement is built from them. */
export function tableNames(owner: string, options: SqlJournalOptions) {
  const schema =
    options.schema === undefined ? 'public' : requireStringOption(options, owner, 'schema', identifier);
  const prefix =
    options.tablePrefix === undefined
      ? 'refundkit_journal_'
      : requireStringOption(options, owner, 'tablePrefix', identifier);
  return {
    schema,
    entries: `"${schema}"."${prefix}entries"`,
    leases: `"${schema}"."${prefix}leases"`,
    migrations: `"${schema}"."${prefix}migrations"`,
    prefix,
  };
}

type Tables = ReturnType<typeof tableNames>;

/**
 * The schema's versions, in order; each is applied once, with its row in the migrations table, in the
 * transaction that finds it missing. A released version is never edited: a change is a new version.
 */
export function migrations(tables: Tables): { version: number; name: string; statements: string[] }[] {
  const { entries, leases, prefix } = tables;
  return [
    {
      version: 1,
      name: 'entries and leases',
      // One statement per string: a parameterized query (PGlite's, pg's with values) takes one at a time.
      statements: [
        `create table ${entries} (
  account     text        not null,
  key         text        not null,
  provider    text        not null,
  payment     text        not null,
  reference   text        not null,
  fingerprint text        not null,
  input       json        not null,
  state       text        not null check (state in ('recorded', 'sent', 'made', 'not_made', 'in_doubt')),
  refund      json,
  memo        json,
  created_at  timestamptz not null default clock_timestamp(),
  updated_at  timestamptz not null default clock_timestamp(),
  primary key (account, key)
)`,
        `create unique index "${prefix}entries_reference" on ${entries} (account, payment, reference)
  where state <> 'not_made'`,
        `create index "${prefix}entries_unsettled" on ${entries} (created_at)
  where state in ('recorded', 'sent', 'in_doubt')`,
        `create table ${leases} (
  account    text        not null,
  payment    text        not null,
  holder     text        not null,
  expires_at timestamptz not null,
  primary key (account, payment)
)`,
      ],
    },
  ];
}

/**
 * Brings the schema up to date. Every process may call it at start-up at once: a transaction-scoped advisory
 * lock named after the tables serializes them, and each applies only the versions not yet recorded.
 */
export async function migrate(db: SqlDatabase, tables: Tables): Promise<void> {
  await db.transaction(async (session) => {
    await session.query('select pg_advisory_xact_lock(hashtext($1))', [
      `refundkit journal ${tables.schema}.${tables.prefix}`,
    ]);
    await session.query(`create schema if not exists "${tables.schema}"`);
    await session.query(
      `create table if not exists ${tables.migrations} (
  version    integer     primary key,
  name       text        not null,
  applied_at timestamptz not null default clock_timestamp()
)`,
    );
    const applied = new Set(
      (await session.query(`select version from ${tables.migrations}`)).rows.map((row) =>
        Number(row.version),
      ),
    );
    for (const migration of migrations(tables)) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await session.query(statement);
      await session.query(`insert into ${tables.migrations} (version, name) values ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
  });
}

const columns = `account, key, provider, payment, reference, fingerprint, input::text as input, state,
  refund::text as refund, memo::text as memo,
  floor(extract(epoch from created_at) * 1000)::float8 as created_at,
  floor(extract(epoch from updated_at) * 1000)::float8 as updated_at`;

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
const parsed = (text: unknown) =>
  text === null || text === undefined ? undefined : JSON.parse(text as string);

function entryOf(row: SqlRow): JournalEntry {
  return {
    account: row.account as string,
    key: row.key as string,
    provider: row.provider as string,
    payment: row.payment as string,
    reference: row.reference as string,
    fingerprint: row.fingerprint as string,
    input: parsed(row.input),
    state: row.state as JournalEntry['state'],
    refund: parsed(row.refund),
    memo: parsed(row.memo),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === '23505';

/** How often `record` looks again when the entry that blocked it changed under it (a concurrent `not_made`). */
const maxRecordRounds = 10;

/**
 * A journal over `open()`'s database, migrated on first use. `open` runs once; if it or the migration
 * fails, the next call tries again.
 */
export function sqlJournal(open: () => Promise<SqlDatabase>, tables: Tables): RefundJournal {
  const { entries, leases } = tables;
  let opened: Promise<SqlDatabase> | undefined;
  let closed = false;
  const ready = (): Promise<SqlDatabase> => {
    if (closed) return Promise.reject(new Error('the journal is closed'));
    opened ??= open().then(async (db) => {
      try {
        await migrate(db, tables);
        return db;
      } catch (error) {
        await db.close().catch(() => {});
        throw error;
      }
    });
    opened.catch(() => {
      opened = undefined;
    });
    return opened;
  };
  const one = async (db: SqlSession, text: string, values: unknown[]) => {
    const row = (await db.query(text, values)).rows[0];
    return row && entryOf(row);
  };
  const intentValues = (intent: JournalIntent) => [
    intent.account,
    intent.key,
    intent.provider,
    intent.payment,
    intent.reference,
    intent.fingerprint,
    json(intent.input),
  ];

  return {
    async record(intent) {
      const db = await ready();
      const values = intentValues(intent);
      for (let round = 0; round < maxRecordRounds; round += 1) {
        // No conflict target: a clash on the key or on the live reference index both write nothing.
        const inserted = await one(
          db,
          `insert into ${entries} (account, key, provider, payment, reference, fingerprint, input, state)
           values ($1, $2, $3, $4, $5, $6, $7::json, 'recorded') on conflict do nothing returning ${columns}`,
          values,
        );
        if (inserted) return { recorded: true, entry: inserted };
        const byKey = await one(db, `select ${columns} from ${entries} where account = $1 and key = $2`, [
          intent.account,
          intent.key,
        ]);
        if (byKey && byKey.state !== 'not_made') return { recorded: false, entry: byKey, by: 'key' };
        if (byKey) {
          // A `not_made` entry with this key is replaced in place, unless the reference is live elsewhere
          // (the partial unique index refuses it).
          try {
            const replaced = await one(
              db,
              `update ${entries} set provider = $3, payment = $4, reference = $5, fingerprint = $6,
                 input = $7::json, state = 'recorded', refund = null, memo = null,
                 created_at = clock_timestamp(), updated_at = clock_timestamp()
               where account = $1 and key = $2 and state = 'not_made' returning ${columns}`,
              values,
            );
            if (replaced) return { recorded: true, entry: replaced };
            continue;
          } catch (error) {
            if (!isUniqueViolation(error)) throw error;
          }
        }
        const byReference = await one(
          db,
          `select ${columns} from ${entries}
           where account = $1 and payment = $2 and reference = $3 and state <> 'not_made'`,
          [intent.account, intent.payment, intent.reference],
        );
        if (byReference) return { recorded: false, entry: byReference, by: 'reference' };
      }
      throw new Error(`record: the entries blocking key "${intent.key}" kept changing; try again`);
    },

    async get(account, key) {
      return one(await ready(), `select ${columns} from ${entries} where account = $1 and key = $2`, [
        account,
        key,
      ]);
    },

    async lease(account, payment, holder, ttlMs) {
      const db = await ready();
      const { rows } = await db.query(
        `insert into ${leases} as l (account, payment, holder, expires_at)
         values ($1, $2, $3, clock_timestamp() + $4::float8 * interval '1 millisecond')
         on conflict (account, payment) do update set holder = excluded.holder, expires_at = excluded.expires_at
         where l.holder = excluded.holder or l.expires_at <= clock_timestamp()
         returning holder`,
        [account, payment, holder, ttlMs],
      );
      return rows.length === 1;
    },

    async release(account, payment, holder) {
      const db = await ready();
      await db.query(`delete from ${leases} where account = $1 and payment = $2 and holder = $3`, [
        account,
        payment,
        holder,
      ]);
    },

    async transition(account, key, holder, change: JournalTransition) {
      if (change.state === 'made' && !change.refund) throw new TypeError('a made entry needs its refund');
      // One statement, so one transaction and one round trip: the CTE locks the holder's unexpired lease row
      // before the update runs, and the update writes only if it found it.
      const { rows } = await (await ready()).query(
        `with held as (
           select 1 from ${leases} l join ${entries} e on e.account = l.account and e.payment = l.payment
           where e.account = $1 and e.key = $2 and l.holder = $3 and l.expires_at > clock_timestamp()
           for share of l
         )
         update ${entries} set state = $4, refund = coalesce($5::json, refund),
           memo = case when $6::boolean then $7::json else memo end, updated_at = clock_timestamp()
         where account = $1 and key = $2 and state <> 'not_made' and exists (select 1 from held)
         returning key`,
        [
          account,
          key,
          holder,
          change.state,
          json(change.refund),
          change.memo !== undefined,
          json(change.memo),
        ],
      );
      return rows.length === 1;
    },

    async unsettled(options = {}) {
      const { rows } = await (await ready()).query(
        `select ${columns} from ${entries}
         where state in ('recorded', 'sent', 'in_doubt') and ($1::text is null or account = $1)
           and ($2::text is null or payment = $2)
         order by created_at, key limit $3`,
        [options.account ?? null, options.payment ?? null, options.limit ?? null],
      );
      return rows.map(entryOf);
    },

    async close() {
      closed = true;
      const db = await opened?.catch(() => undefined);
      await db?.close();
    },
  };
}
