// `pnpm bench` end to end on its smallest setting: the loopback server in its own process, one target, one
// round, results written as JSON. (Timings themselves are never asserted.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('bench harness', () => {
  it('runs a bare-fetch round against the loopback server and writes its results', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'refundkit-bench-')), 'latest.json');
    const result = spawnSync(
      process.execPath,
      [
        join(root, 'bench/run-bench.mjs'),
        ...['--filter', 'fetch:smartpay', '--rounds', '1', '--n', '20', '--warmup', '5', '--no-memory'],
        ...['--max-seconds', '40', '--out', out],
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const fetchResult = report.results.find((r: { id: string }) => r.id === 'fetch:smartpay');
    expect(fetchResult).toMatchObject({ requestsPerCall: 1, routes: { 'POST /smartpay/v1/refunds': 1 } });
    expect(fetchResult.sequential.ratioToFetch).toBe(1);
    expect(result.stdout).toContain('Rerun: pnpm bench');
  }, 60_000);

  it('answers every provider create call with its spec example', async () => {
    // Plain JavaScript modules of the harness, imported by URL (they have no type declarations).
    type Server = { baseUrl(provider: string): string; stats(): Promise<object>; stop(): Promise<void> };
    type Request = { method: string; path: string; headers: Record<string, string>; body: unknown };
    const { startServer } = (await import(new URL('../lib/server-process.mjs', import.meta.url).href)) as {
      startServer(options: { limitMs: number }): Promise<Server>;
    };
    const { createRequests } = (await import(new URL('../lib/fixtures.mjs', import.meta.url).href)) as {
      createRequests: Record<string, Request>;
    };
    const server = await startServer({ limitMs: 30_000 });
    try {
      for (const [provider, { method, path, headers, body }] of Object.entries(createRequests)) {
        const response = await fetch(server.baseUrl(provider) + path, {
          method,
          headers,
          body: JSON.stringify(body),
        });
        expect(response.status, provider).toBe(200);
        expect(await response.json(), provider).toBeTypeOf('object');
      }
      expect(Object.keys(await server.stats())).toHaveLength(4);
    } finally {
      await server.stop();
    }
  });

  it('times facade creates and the journal writes of a create on the in-memory store, and writes its results', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'refundkit-bench-')), 'journal.json');
    const result = spawnSync(
      process.execPath,
      [
        join(root, 'bench/journal-bench.mjs'),
        ...['--filter', 'memory', '--rounds', '1', '--n', '10', '--warmup', '2', '--max-seconds', '40'],
        ...['--out', out],
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.results.map((r: { id: string }) => r.id)).toEqual(['memory']);
    const [memory] = report.results;
    for (const phase of ['facadeSequential', 'facadeConcurrent', 'facadeOnePayment', 'journalSequential']) {
      expect(memory[phase].usPerCreate, phase).toBeGreaterThan(0);
    }
    // Against itself, round by round.
    expect(memory.facadeSequential.addedUsVsMemory).toBe(0);
    expect(result.stdout).toContain('Facade refunds.create → Smartpay on loopback');
    expect(result.stdout).toContain('Rerun: pnpm bench:journal');
  }, 60_000);
});
