// pgliteJournal: the conformance suite on one embedded database (a schema per store: a fresh PGlite costs
// seconds of WASM initdb), then what it is for: the journal survives the process closing it, and a second
// process is refused the data directory.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgliteJournal } from '@refundkit/journal';
import { describeJournalConformance, sampleIntent } from '@refundkit/journal/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const home = mkdtempSync(join(tmpdir(), 'refundkit-pglite-'));
const dataDir = join(home, 'journal');
const elsewhere = join(home, 'other');
let dead = 0;
let db: PGlite;
let schemas = 0;

describe('pgliteJournal', () => {
  beforeAll(async () => {
    db = await PGlite.create(dataDir);
  }, 120_000);
  afterAll(async () => {
    if (!db.closed) await db.close();
    rmSync(home, { recursive: true, force: true });
  });

  describeJournalConformance('pgliteJournal', {
    store: async () => {
      schemas += 1;
      const schema = `conformance_${schemas}`;
      return {
        open: () => pgliteJournal({ pglite: db, schema }),
        dispose: async () => {
          await db.query(`drop schema if exists ${schema} cascade`);
        },
      };
    },
  });

  it('refuses bad options before opening anything, naming the option', () => {
    expect(() => pgliteJournal({ dataDir: '' })).toThrow('pgliteJournal: option "dataDir" is required');
    expect(() => pgliteJournal({ dataDir, schema: 'Bad-Name' })).toThrow('option "schema" must be');
    expect(() => pgliteJournal({ pglite: {} as PGlite })).toThrow(
      'option "pglite" must be a PGlite instance',
    );
  });

  it('keeps entries and leases when the process closes it and opens it again', async () => {
    const before = pgliteJournal({ pglite: db, schema: 'durable' });
    const { entry } = await before.record(sampleIntent());
    expect(await before.lease('payop', 'pay-1', 'holder', 600_000)).toBe(true);
    await before.close();
    await db.close();

    const after = pgliteJournal({ dataDir, schema: 'durable' });
    try {
      expect(await after.get('payop', 'key-1')).toEqual(entry);
      expect(await after.lease('payop', 'pay-1', 'another', 600_000)).toBe(false);
      expect(await after.transition('payop', 'key-1', 'holder', { state: 'sent' })).toBe(true);

      // A second journal on the directory, in this process or another live one, is refused before opening it.
      const twice = pgliteJournal({ dataDir });
      await expect(twice.get('payop', 'key-1')).rejects.toThrow(`${dataDir} is already open in this process`);
      await twice.close();
      const other = spawn('sleep', ['30']);
      try {
        writeFileSync(`${elsewhere}.lock`, String(other.pid));
        const refused = pgliteJournal({ dataDir: elsewhere });
        await expect(refused.get('payop', 'key-1')).rejects.toThrow(
          `${elsewhere} is open in process ${other.pid}; PGlite is one process at a time.`,
        );
        await refused.close();
      } finally {
        other.kill('SIGKILL');
        await once(other, 'exit');
      }
      dead = other.pid!;
    } finally {
      await after.close();
    }

    // A lock left by a process that died is taken over.
    writeFileSync(`${dataDir}.lock`, String(dead));
    const reopened = pgliteJournal({ dataDir, schema: 'durable' });
    expect((await reopened.get('payop', 'key-1'))?.state).toBe('sent');
    await reopened.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  }, 60_000);
});
