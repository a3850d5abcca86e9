// pgliteJournal: the conformance suite on one embedded database (a schema per store: a fresh PGlite costs
// seconds of WASM initdb), then what it is for: the journal survives the process closing it, and a second
// process is refused the data directory.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PGlite } from '@electric-sql/pglite';
import { pgliteJournal } from '@refundkit/journal';
import { describeJournalConformance, sampleIntent } from '@refundkit/journal/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleScript } from '../../../test/support/bundle-script.js';

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

  it('keeps everything a process committed before it was killed (SIGKILL)', async () => {
    // Beside the package's own node_modules, so that the bundle imports the installed PGlite (its WebAssembly
    // and data files are found relative to its module).
    const writer = join(import.meta.dirname, '../node_modules/.refundkit-test/pglite-writer.mjs');
    await bundleScript(join(import.meta.dirname, 'pglite-writer.ts'), writer, ['@electric-sql/pglite']);
    const child = spawn(process.execPath, [writer, dataDir, 'killed'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acknowledged = -1;
    createInterface({ input: child.stdout }).on('line', (line) => {
      acknowledged = Number(line);
      if (acknowledged === 30) child.kill('SIGKILL');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [, signal] = await once(child, 'exit');
    clearTimeout(timer);
    expect(signal).toBe('SIGKILL');
    expect(acknowledged, 'the writer got going before the kill').toBeGreaterThanOrEqual(30);

    // Its lock is left behind, held by a dead process, and taken over.
    const after = pgliteJournal({ dataDir, schema: 'killed' });
    try {
      for (let i = 0; i <= acknowledged; i += 1) {
        const entry = await after.get('payop', `k${i}`);
        expect(entry, `k${i}`).toMatchObject({
          state: 'sent',
          memo: { at: i },
          input: { amount: { value: 100 + i } },
        });
        expect(await after.lease('payop', `p${i}`, 'someone else', 1_000)).toBe(false);
      }
      // What it had not acknowledged is there whole or not at all.
      const next = await after.get('payop', `k${acknowledged + 1}`);
      if (next) expect(['recorded', 'sent']).toContain(next.state);
    } finally {
      await after.close();
    }
  }, 120_000);
});
