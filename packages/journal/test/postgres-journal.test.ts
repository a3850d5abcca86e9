// postgresJournal on a real PostgreSQL server (a throwaway cluster this file starts): the conformance suite,
// migrations run by many starters at once, and credentials kept out of what it shows.
import { inspect } from 'node:util';
import { postgresJournal } from '@refundkit/journal';
import { describeJournalConformance, sampleIntent } from '@refundkit/journal/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresMissing, startPostgres, type TestPostgres } from '../../../scripts/postgres-cluster.mjs';

let server: TestPostgres;
let admin: pg.Pool;
let schemas = 0;

describe.skipIf(postgresMissing)(postgresMissing ?? 'postgresJournal', () => {
  beforeAll(async () => {
    server = await startPostgres();
    admin = new pg.Pool({ connectionString: server.url, max: 2 });
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  describeJournalConformance('postgresJournal', {
    store: async () => {
      schemas += 1;
      const schema = `conformance_${schemas}`;
      return {
        // Each handle has its own pool: as separate processes would.
        open: () => postgresJournal({ connectionString: server.url, schema, maxConnections: 4 }),
        dispose: async () => {
          await admin.query(`drop schema if exists ${schema} cascade`);
        },
      };
    },
  });

  it('migrates once when many journals start at once, and again is a no-op', async () => {
    const journals = Array.from({ length: 8 }, () =>
      postgresJournal({
        connectionString: server.url,
        schema: 'racing',
        tablePrefix: 'rk_',
        maxConnections: 2,
      }),
    );
    try {
      const results = await Promise.all(
        journals.map((journal, i) => journal.record(sampleIntent({ key: `k${i}`, reference: `r${i}` }))),
      );
      expect(results.every((result) => result.recorded)).toBe(true);
      const { rows } = await admin.query('select version, name from racing.rk_migrations order by version');
      expect(rows).toEqual([{ version: 1, name: 'entries and leases' }]);
      const tables = await admin.query(
        "select tablename from pg_tables where schemaname = 'racing' order by tablename",
      );
      expect(tables.rows.map((row) => row.tablename)).toEqual(['rk_entries', 'rk_leases', 'rk_migrations']);
    } finally {
      await Promise.all(journals.map((journal) => journal.close()));
    }
  });

  it('works through a pool of yours, which it leaves open', async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 2 });
    const journal = postgresJournal({ pool, schema: 'own_pool' });
    expect((await journal.record(sampleIntent())).recorded).toBe(true);
    await journal.close();
    expect(
      (await pool.query('select count(*)::int as n from own_pool.refundkit_journal_entries')).rows,
    ).toEqual([{ n: 1 }]);
    await pool.end();
  });

  it('never shows the connection string, not in inspect, JSON or a failed connection', async () => {
    const secret = 's3cr3t-Pa55';
    // A socket directory with no server: the connection fails without any network traffic.
    const journal = postgresJournal({
      connectionString: `postgresql://refundkit:${secret}@/refundkit?host=${encodeURIComponent(`${server.dir}/none`)}`,
    });
    expect(inspect(journal, { depth: 5, showHidden: true })).not.toContain(secret);
    expect(JSON.stringify(journal)).not.toContain(secret);
    const error = await journal.get('a', 'k').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(
      `${inspect(error, { depth: 5 })} ${JSON.stringify(error)} ${(error as Error).stack}`,
    ).not.toContain(secret);
    await journal.close();
  });

  it('refuses bad options before connecting, naming the option', () => {
    expect(() => postgresJournal({ connectionString: '' })).toThrow('option "connectionString" is required');
    expect(() => postgresJournal({ connectionString: server.url, schema: 'drop table x;' })).toThrow(
      'postgresJournal: option "schema" must be a lower-case SQL identifier',
    );
    expect(() => postgresJournal({ connectionString: server.url, tablePrefix: 'A"' })).toThrow(
      '"tablePrefix"',
    );
    expect(() => postgresJournal({ connectionString: server.url, maxConnections: 0 })).toThrow(
      '"maxConnections"',
    );
    expect(() => postgresJournal({ pool: {} as pg.Pool })).toThrow('option "pool" must be a pg Pool');
    const both = { pool: admin, connectionString: server.url } as unknown as { pool: pg.Pool };
    expect(() => postgresJournal(both)).toThrow('give option "pool" or "connectionString", not both');
  });
});
