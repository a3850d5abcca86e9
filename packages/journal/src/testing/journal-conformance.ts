// The conformance suite every refund journal passes: each clause of `RefundJournal`'s contract
// (@refundkit/core's journal.ts), concurrency, lease expiry and fencing, JSON round trips, several handles
// on one store, and a seeded property test of random operation sequences against a small model.
// Call it from a vitest test file with a factory of fresh, empty stores.
import type { JournalEntry, JournalIntent, RefundJournal } from '@refundkit/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

/** One fresh, empty store; every `open()` is a handle on it (SQL stores: its own connections). */
export interface JournalStore {
  open(): RefundJournal;
  /** Drops what the store made (a schema, a directory), after its handles are closed. */
  dispose?(): Promise<void>;
}

export interface JournalConformanceOptions {
  /** A fresh, empty store for each test. */
  store(): Promise<JournalStore>;
  /** fast-check runs of the property test (each on a fresh store). Default 30. */
  propertyRuns?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An intent with everything set; `overrides` changes what a test is about. */
export function sampleIntent(overrides: Partial<JournalIntent> = {}): JournalIntent {
  const key = overrides.key ?? 'key-1';
  const payment = overrides.payment ?? 'pay-1';
  const reference = overrides.reference ?? `ref-${key}`;
  return {
    account: 'payop',
    key,
    provider: 'payop',
    payment,
    reference,
    fingerprint: `fp-${key}`,
    input: {
      payment,
      amount: { value: 1505, currency: 'EUR' },
      reason: 'requested_by_customer',
      reference,
      metadata: { rma: 'RMA-7', note: 'ünïcødé ✓' },
      idempotencyKey: key,
    },
    ...overrides,
  };
}

const sampleRefund = (id: string, payment = 'pay-1') => ({
  provider: 'payop',
  id,
  payment,
  status: 'succeeded' as const,
  amount: { value: 1505, currency: 'EUR' },
  reference: 'ref-key-1',
  createdAt: '2026-12-01T10:00:00.000Z',
  raw: {
    id,
    nested: { list: [1, 2.5, -3, null, true, 'x'], empty: {}, big: Number.MAX_SAFE_INTEGER },
    text: 'quote " backslash \\ newline \n emoji 💶',
    nothing: null,
  },
});

/** Waits until `check` holds, polling, for at most `maxMs`. */
async function eventually(check: () => Promise<boolean>, maxMs: number): Promise<boolean> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}

/** Registers the conformance tests of one journal implementation, under `describe(name)`. */
export function describeJournalConformance(name: string, options: JournalConformanceOptions): void {
  describe(`${name}: RefundJournal conformance`, () => {
    const opened: { store: JournalStore; handles: Set<RefundJournal> }[] = [];

    async function fresh() {
      const store = await options.store();
      const handles = new Set<RefundJournal>();
      opened.push({ store, handles });
      const open = () => {
        const handle = store.open();
        handles.add(handle);
        return handle;
      };
      return { journal: open(), open, store, handles };
    }

    async function dispose(entry: { store: JournalStore; handles: Set<RefundJournal> }) {
      for (const handle of entry.handles) await handle.close();
      await entry.store.dispose?.();
    }

    afterEach(async () => {
      for (const entry of opened.splice(0)) await dispose(entry);
    });

    describe('record', () => {
      it('writes a new intent as recorded, stamped by the journal clock, and get returns it', async () => {
        const { journal } = await fresh();
        const intent = sampleIntent();
        const result = await journal.record(intent);
        expect(result.recorded).toBe(true);
        expect(result.entry).toMatchObject({ ...intent, state: 'recorded' });
        expect(result.entry.refund).toBeUndefined();
        expect(result.entry.memo).toBeUndefined();
        expect(Number.isInteger(result.entry.createdAt)).toBe(true);
        expect(Math.abs(result.entry.createdAt - Date.now())).toBeLessThan(60_000);
        expect(result.entry.updatedAt).toBe(result.entry.createdAt);
        expect(await journal.get('payop', 'key-1')).toEqual(result.entry);
        expect(await journal.get('payop', 'key-2')).toBeUndefined();
        expect(await journal.get('other', 'key-1')).toBeUndefined();
      });

      it('returns the entry with the key, writing nothing, for a repeated key', async () => {
        const { journal } = await fresh();
        const first = await journal.record(sampleIntent());
        const again = await journal.record(
          sampleIntent({ fingerprint: 'different', reference: 'ref-other' }),
        );
        expect(again).toEqual({ recorded: false, entry: first.entry, by: 'key' });
        expect(await journal.get('payop', 'key-1')).toEqual(first.entry);
        // The other reference was not taken by the refused intent.
        expect((await journal.record(sampleIntent({ key: 'key-2', reference: 'ref-other' }))).recorded).toBe(
          true,
        );
      });

      it('returns the entry with the payment and reference for another key', async () => {
        const { journal } = await fresh();
        const first = await journal.record(sampleIntent({ reference: 'shared' }));
        const other = await journal.record(sampleIntent({ key: 'key-2', reference: 'shared' }));
        expect(other).toEqual({ recorded: false, entry: first.entry, by: 'reference' });
        expect(await journal.get('payop', 'key-2')).toBeUndefined();
      });

      it('matches by key before reference', async () => {
        const { journal } = await fresh();
        const a = await journal.record(sampleIntent({ key: 'a', reference: 'ra' }));
        await journal.record(sampleIntent({ key: 'b', reference: 'rb' }));
        expect(await journal.record(sampleIntent({ key: 'a', reference: 'rb' }))).toEqual({
          recorded: false,
          entry: a.entry,
          by: 'key',
        });
      });

      it('keeps keys and references per account, and references per payment', async () => {
        const { journal } = await fresh();
        expect((await journal.record(sampleIntent({ reference: 'r' }))).recorded).toBe(true);
        expect((await journal.record(sampleIntent({ account: 'second', reference: 'r' }))).recorded).toBe(
          true,
        );
        expect(
          (await journal.record(sampleIntent({ key: 'k2', payment: 'pay-2', reference: 'r' }))).recorded,
        ).toBe(true);
        expect((await journal.get('second', 'key-1'))?.account).toBe('second');
      });

      it('replaces a not_made entry with its key, as a fresh entry', async () => {
        const { journal } = await fresh();
        await journal.record(sampleIntent({ key: 'k', reference: 'r' }));
        expect(await journal.lease('payop', 'pay-1', 'h', 10_000)).toBe(true);
        expect(await journal.transition('payop', 'k', 'h', { state: 'not_made', memo: { before: [] } })).toBe(
          true,
        );
        await sleep(3);
        const again = await journal.record(sampleIntent({ key: 'k', reference: 'r2', fingerprint: 'new' }));
        expect(again.recorded).toBe(true);
        expect(again.entry).toMatchObject({
          key: 'k',
          reference: 'r2',
          fingerprint: 'new',
          state: 'recorded',
        });
        expect(again.entry.memo).toBeUndefined();
        expect(again.entry.refund).toBeUndefined();
        expect(await journal.get('payop', 'k')).toEqual(again.entry);
      });

      it('frees the reference of a not_made entry for another key', async () => {
        const { journal } = await fresh();
        await journal.record(sampleIntent({ key: 'k1', reference: 'r' }));
        await journal.lease('payop', 'pay-1', 'h', 10_000);
        await journal.transition('payop', 'k1', 'h', { state: 'not_made' });
        const other = await journal.record(sampleIntent({ key: 'k2', reference: 'r' }));
        expect(other.recorded).toBe(true);
        // The not_made entry keeps its key.
        expect((await journal.get('payop', 'k1'))?.state).toBe('not_made');
      });

      it('does not replace a not_made entry whose new reference is live elsewhere', async () => {
        const { journal } = await fresh();
        await journal.record(sampleIntent({ key: 'k1', reference: 'r1' }));
        const live = await journal.record(sampleIntent({ key: 'k2', reference: 'r2' }));
        await journal.lease('payop', 'pay-1', 'h', 10_000);
        await journal.transition('payop', 'k1', 'h', { state: 'not_made' });
        const before = await journal.get('payop', 'k1');
        expect(await journal.record(sampleIntent({ key: 'k1', reference: 'r2' }))).toEqual({
          recorded: false,
          entry: live.entry,
          by: 'reference',
        });
        expect(await journal.get('payop', 'k1')).toEqual(before);
      });

      it('records one of many concurrent intents with one key', async () => {
        const { journal, open } = await fresh();
        const second = open();
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            (i % 2 ? second : journal).record(sampleIntent({ fingerprint: `fp-${i}`, reference: `r-${i}` })),
          ),
        );
        const winners = results.filter((result) => result.recorded);
        expect(winners).toHaveLength(1);
        for (const result of results.filter((r) => !r.recorded)) {
          expect(result).toEqual({ recorded: false, entry: winners[0]!.entry, by: 'key' });
        }
      });

      it('records one of many concurrent intents with one payment and reference', async () => {
        const { journal, open } = await fresh();
        const second = open();
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            (i % 2 ? second : journal).record(sampleIntent({ key: `k-${i}`, reference: 'same' })),
          ),
        );
        const winners = results.filter((result) => result.recorded);
        expect(winners).toHaveLength(1);
        for (const result of results.filter((r) => !r.recorded)) {
          expect(result).toEqual({ recorded: false, entry: winners[0]!.entry, by: 'reference' });
        }
        expect((await journal.unsettled()).map((entry) => entry.key)).toEqual([winners[0]!.entry.key]);
      });

      it('replaces a not_made entry once among concurrent records of its key', async () => {
        const { journal, open } = await fresh();
        await journal.record(sampleIntent({ key: 'k' }));
        await journal.lease('payop', 'pay-1', 'h', 10_000);
        await journal.transition('payop', 'k', 'h', { state: 'not_made' });
        const second = open();
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 ? second : journal).record(sampleIntent({ key: 'k', fingerprint: `fp-${i}` })),
          ),
        );
        expect(results.filter((result) => result.recorded)).toHaveLength(1);
        expect(results.filter((result) => !result.recorded).every((r) => !r.recorded && r.by === 'key')).toBe(
          true,
        );
      });
    });

    describe('lease and release', () => {
      it('is taken when free, refused to another holder, extended for its holder', async () => {
        const { journal } = await fresh();
        expect(await journal.lease('payop', 'pay-1', 'a', 10_000)).toBe(true);
        expect(await journal.lease('payop', 'pay-1', 'b', 10_000)).toBe(false);
        expect(await journal.lease('payop', 'pay-1', 'a', 10_000)).toBe(true);
        // Per payment and per account.
        expect(await journal.lease('payop', 'pay-2', 'b', 10_000)).toBe(true);
        expect(await journal.lease('second', 'pay-1', 'b', 10_000)).toBe(true);
      });

      it('is given back only by its holder', async () => {
        const { journal } = await fresh();
        await journal.lease('payop', 'pay-1', 'a', 10_000);
        await journal.release('payop', 'pay-1', 'b');
        expect(await journal.lease('payop', 'pay-1', 'b', 10_000)).toBe(false);
        await journal.release('payop', 'pay-1', 'a');
        expect(await journal.lease('payop', 'pay-1', 'b', 10_000)).toBe(true);
        // Releasing what nobody holds is harmless.
        await journal.release('payop', 'pay-9', 'a');
      });

      it('expires after its ttl, and an extension moves the expiry', async () => {
        const { journal } = await fresh();
        expect(await journal.lease('payop', 'pay-1', 'a', 150)).toBe(true);
        expect(await journal.lease('payop', 'pay-1', 'b', 10_000)).toBe(false);
        expect(await eventually(() => journal.lease('payop', 'pay-1', 'b', 10_000), 3_000)).toBe(true);
        expect(await journal.lease('payop', 'pay-1', 'a', 10_000)).toBe(false);

        expect(await journal.lease('payop', 'pay-2', 'a', 150)).toBe(true);
        expect(await journal.lease('payop', 'pay-2', 'a', 10_000)).toBe(true);
        await sleep(300);
        expect(await journal.lease('payop', 'pay-2', 'b', 10_000)).toBe(false);
      });

      it('goes to exactly one of many concurrent holders', async () => {
        const { journal, open } = await fresh();
        const second = open();
        const taken = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            (i % 2 ? second : journal).lease('payop', 'pay-1', `h-${i}`, 10_000),
          ),
        );
        expect(taken.filter(Boolean)).toHaveLength(1);
      });

      it('goes to exactly one of many concurrent holders of an expired lease', async () => {
        const { journal, open } = await fresh();
        const second = open();
        await journal.lease('payop', 'pay-1', 'old', 50);
        await sleep(120);
        const taken = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            (i % 2 ? second : journal).lease('payop', 'pay-1', `h-${i}`, 10_000),
          ),
        );
        expect(taken.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('transition', () => {
      it("applies a change only under the holder's unexpired lease on the entry's payment", async () => {
        const { journal } = await fresh();
        const { entry } = await journal.record(sampleIntent());
        const unchanged = async () => expect(await journal.get('payop', 'key-1')).toEqual(entry);
        expect(await journal.transition('payop', 'key-1', 'a', { state: 'sent' })).toBe(false);
        await unchanged();
        await journal.lease('payop', 'pay-2', 'a', 10_000);
        expect(await journal.transition('payop', 'key-1', 'a', { state: 'sent' })).toBe(false);
        await journal.lease('second', 'pay-1', 'a', 10_000);
        expect(await journal.transition('payop', 'key-1', 'a', { state: 'sent' })).toBe(false);
        await journal.lease('payop', 'pay-1', 'b', 10_000);
        expect(await journal.transition('payop', 'key-1', 'a', { state: 'sent' })).toBe(false);
        await unchanged();
        expect(await journal.transition('payop', 'key-1', 'b', { state: 'sent' })).toBe(true);
        const sent = await journal.get('payop', 'key-1');
        expect(sent?.state).toBe('sent');
        expect(sent!.updatedAt).toBeGreaterThanOrEqual(entry.createdAt);
        expect(sent!.createdAt).toBe(entry.createdAt);
        await journal.release('payop', 'pay-1', 'b');
        expect(await journal.transition('payop', 'key-1', 'b', { state: 'in_doubt' })).toBe(false);
        expect((await journal.get('payop', 'key-1'))?.state).toBe('sent');
        expect(await journal.transition('payop', 'missing', 'b', { state: 'sent' })).toBe(false);
      });

      it('refuses a holder whose lease expired, writing nothing', async () => {
        const { journal } = await fresh();
        await journal.record(sampleIntent());
        await journal.lease('payop', 'pay-1', 'a', 100);
        expect(await journal.transition('payop', 'key-1', 'a', { state: 'sent' })).toBe(true);
        await sleep(250);
        expect(
          await journal.transition('payop', 'key-1', 'a', { state: 'made', refund: sampleRefund('r1') }),
        ).toBe(false);
        const entry = await journal.get('payop', 'key-1');
        expect(entry?.state).toBe('sent');
        expect(entry?.refund).toBeUndefined();
      });

      it('leaves a not_made entry as it is: only record replaces it', async () => {
        const { journal } = await fresh();
        await journal.record(sampleIntent({ key: 'k1', reference: 'r' }));
        await journal.lease('payop', 'pay-1', 'h', 10_000);
        expect(await journal.transition('payop', 'k1', 'h', { state: 'not_made' })).toBe(true);
        const notMade = await journal.get('payop', 'k1');
        // Its reference went to another refund, which a second live entry would contradict.
        expect((await journal.record(sampleIntent({ key: 'k2', reference: 'r' }))).recorded).toBe(true);
        for (const state of ['sent', 'in_doubt', 'not_made'] as const) {
          expect(await journal.transition('payop', 'k1', 'h', { state })).toBe(false);
        }
        expect(
          await journal.transition('payop', 'k1', 'h', { state: 'made', refund: sampleRefund('r1') }),
        ).toBe(false);
        expect(await journal.get('payop', 'k1')).toEqual(notMade);
        expect((await journal.unsettled()).map((entry) => entry.key)).toEqual(['k2']);
      });

      it('lands no write of a holder after another took its expired lease over, under concurrency', async () => {
        const { journal, open } = await fresh();
        const other = open();
        await journal.record(sampleIntent());
        await journal.lease('payop', 'pay-1', 'a', 150);
        let takenAt = -1;
        let seen: JournalEntry | undefined;
        const late: boolean[] = [];
        // The old holder keeps writing while the other polls for the lease, both bounded.
        const writer = (async () => {
          for (let i = 0; i < 400 && late.length < 10; i += 1) {
            const startedAfterTakeover = takenAt >= 0;
            const written = await journal.transition('payop', 'key-1', 'a', { state: 'sent', memo: { i } });
            if (startedAfterTakeover) late.push(written);
            await sleep(2);
          }
        })();
        for (let i = 0; i < 200 && takenAt < 0; i += 1) {
          if (await other.lease('payop', 'pay-1', 'b', 10_000)) {
            seen = await other.get('payop', 'key-1');
            takenAt = Date.now();
          } else await sleep(10);
        }
        await writer;
        expect(takenAt, 'the lease expired and was taken over').toBeGreaterThan(0);
        expect(late.length).toBeGreaterThan(0);
        expect(late.every((written) => !written)).toBe(true);
        expect(await other.get('payop', 'key-1')).toEqual(seen);
      });

      it('needs a refund for made', async () => {
        const { journal } = await fresh();
        const { entry } = await journal.record(sampleIntent());
        await journal.lease('payop', 'pay-1', 'a', 10_000);
        await expect(journal.transition('payop', 'key-1', 'a', { state: 'made' })).rejects.toThrow(TypeError);
        expect(await journal.get('payop', 'key-1')).toEqual(entry);
      });

      it('keeps the refund and memo through a JSON round trip, the memo replaced only when given', async () => {
        const { journal, open } = await fresh();
        await journal.record(sampleIntent());
        await journal.lease('payop', 'pay-1', 'a', 10_000);
        const memo = { before: ['r0', 'r-1'], at: 5, deep: { n: null, t: true } };
        expect(await journal.transition('payop', 'key-1', 'a', { state: 'sent', memo })).toBe(true);
        expect((await journal.get('payop', 'key-1'))?.memo).toEqual(memo);
        const refund = sampleRefund('r1');
        expect(await journal.transition('payop', 'key-1', 'a', { state: 'made', refund })).toBe(true);
        const made = (await open().get('payop', 'key-1')) as JournalEntry;
        expect(made.state).toBe('made');
        expect(made.refund).toEqual(refund);
        expect(made.memo).toEqual(memo);
        expect(JSON.parse(JSON.stringify(made))).toEqual(made);
        expect(await journal.transition('payop', 'key-1', 'a', { state: 'made', refund, memo: null })).toBe(
          true,
        );
        expect((await journal.get('payop', 'key-1'))?.memo).toBeNull();
      });
    });

    describe('unsettled', () => {
      it('lists recorded, sent and in_doubt entries, oldest first, by account, payment and up to a limit', async () => {
        const { journal } = await fresh();
        const states = ['recorded', 'sent', 'made', 'in_doubt', 'not_made', 'sent'] as const;
        await journal.lease('payop', 'pay-1', 'h', 10_000);
        for (const [i, state] of states.entries()) {
          await journal.record(sampleIntent({ key: `k${i}` }));
          if (state !== 'recorded') {
            const refund = state === 'made' ? sampleRefund(`r${i}`) : undefined;
            await journal.transition('payop', `k${i}`, 'h', { state, ...(refund ? { refund } : {}) });
          }
          await sleep(3);
        }
        await journal.record(sampleIntent({ key: 'k8', payment: 'pay-2' }));
        await sleep(3);
        await journal.record(sampleIntent({ account: 'second', key: 'k9' }));
        // A later transition does not make an entry younger.
        await journal.transition('payop', 'k0', 'h', { state: 'sent' });
        const keys = (entries: JournalEntry[]) => entries.map((entry) => entry.key);
        expect(keys(await journal.unsettled())).toEqual(['k0', 'k1', 'k3', 'k5', 'k8', 'k9']);
        expect(keys(await journal.unsettled({ account: 'payop' }))).toEqual(['k0', 'k1', 'k3', 'k5', 'k8']);
        expect(keys(await journal.unsettled({ account: 'payop', limit: 2 }))).toEqual(['k0', 'k1']);
        expect(keys(await journal.unsettled({ account: 'payop', payment: 'pay-2' }))).toEqual(['k8']);
        expect(keys(await journal.unsettled({ account: 'payop', payment: 'pay-1' }))).toEqual([
          'k0',
          'k1',
          'k3',
          'k5',
        ]);
        expect(keys(await journal.unsettled({ account: 'second', payment: 'pay-2' }))).toEqual([]);
        expect(keys(await journal.unsettled({ account: 'none' }))).toEqual([]);
        const all = await journal.unsettled();
        expect(all.map((entry) => entry.createdAt)).toEqual(
          [...all.map((e) => e.createdAt)].sort((a, b) => a - b),
        );
        expect(all[0]).toEqual(await journal.get('payop', 'k0'));
      });
    });

    describe('handles on one store', () => {
      it('see each other: entries, conflicts, leases and fencing', async () => {
        const { journal: a, open } = await fresh();
        const b = open();
        const recorded = await a.record(sampleIntent());
        expect(await b.get('payop', 'key-1')).toEqual(recorded.entry);
        expect((await b.record(sampleIntent())).recorded).toBe(false);
        expect(await a.lease('payop', 'pay-1', 'ha', 10_000)).toBe(true);
        expect(await b.lease('payop', 'pay-1', 'hb', 10_000)).toBe(false);
        expect(await b.transition('payop', 'key-1', 'hb', { state: 'sent' })).toBe(false);
        // The lease is the holder's, whichever handle it writes through.
        expect(await b.transition('payop', 'key-1', 'ha', { state: 'sent' })).toBe(true);
        expect((await a.get('payop', 'key-1'))?.state).toBe('sent');
        await b.release('payop', 'pay-1', 'ha');
        expect(await b.lease('payop', 'pay-1', 'hb', 10_000)).toBe(true);
        expect((await a.unsettled()).map((entry) => entry.key)).toEqual(['key-1']);
      });
    });

    it('agrees with a model over random operation sequences (seeded)', async () => {
      const seed = Number(process.env.JOURNAL_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
      // biome-ignore lint/suspicious/noConsole: the seed is what repeats a failure
      console.log(`${name}: journal property test seed ${seed} (JOURNAL_PROPERTY_SEED=${seed} repeats it)`);
      const account = fc.constantFrom('a', 'a', 'a', 'b');
      const key = fc.constantFrom('k1', 'k2', 'k3', 'k4');
      const payment = fc.constantFrom('p1', 'p2');
      const holder = fc.constantFrom('h1', 'h2');
      // Few names, so that sequences meet: a second account, keys, payments, references and holders collide.
      const operation = fc.oneof(
        {
          weight: 4,
          arbitrary: fc.record({
            op: fc.constant('record' as const),
            account,
            key,
            payment,
            reference: fc.constantFrom('r1', 'r2'),
          }),
        },
        { weight: 3, arbitrary: fc.record({ op: fc.constant('lease' as const), account, payment, holder }) },
        {
          weight: 1,
          arbitrary: fc.record({ op: fc.constant('release' as const), account, payment, holder }),
        },
        {
          weight: 4,
          arbitrary: fc.record({
            op: fc.constant('transition' as const),
            account,
            key,
            holder,
            state: fc.constantFrom('sent', 'made', 'not_made', 'in_doubt' as const),
          }),
        },
        { weight: 1, arbitrary: fc.record({ op: fc.constant('get' as const), account, key }) },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(operation, { minLength: 1, maxLength: 40, size: 'max' }),
          async (operations) => {
            const { journal, open, store, handles } = await fresh();
            const pair = [journal, open()];
            const model = new JournalModel();
            try {
              for (const [i, o] of operations.entries()) {
                const via = pair[i % 2]!;
                if (o.op === 'record') {
                  const intent = sampleIntent({
                    account: o.account,
                    key: o.key,
                    payment: o.payment,
                    reference: o.reference,
                    fingerprint: `f${i}`,
                  });
                  const got = await via.record(intent);
                  const want = model.record(intent);
                  expect({
                    recorded: got.recorded,
                    key: got.entry.key,
                    fingerprint: got.entry.fingerprint,
                    by: got.recorded ? undefined : got.by,
                  }).toEqual(want);
                } else if (o.op === 'lease') {
                  expect(await via.lease(o.account, o.payment, o.holder, 600_000)).toBe(
                    model.lease(o.account, o.payment, o.holder),
                  );
                } else if (o.op === 'release') {
                  await via.release(o.account, o.payment, o.holder);
                  model.release(o.account, o.payment, o.holder);
                } else if (o.op === 'transition') {
                  const refund = o.state === 'made' ? { refund: sampleRefund(`rf${i}`) } : {};
                  expect(
                    await via.transition(o.account, o.key, o.holder, { state: o.state, ...refund }),
                  ).toBe(model.transition(o.account, o.key, o.holder, o.state));
                } else {
                  expect((await via.get(o.account, o.key))?.state).toBe(model.get(o.account, o.key)?.state);
                }
              }
              const unsettled = (await journal.unsettled())
                .map((entry) => `${entry.account}/${entry.key}`)
                .sort();
              expect(unsettled).toEqual(model.unsettled());
            } finally {
              opened.splice(
                opened.findIndex((entry) => entry.store === store),
                1,
              );
              await dispose({ store, handles });
            }
          },
        ),
        { seed, numRuns: options.propertyRuns ?? 30 },
      );
    }, 120_000);
  });
}

/** The contract, as plainly as it can be said: no clocks (leases never expire here), no concurrency. */
class JournalModel {
  readonly entries = new Map<
    string,
    { account: string; key: string; payment: string; reference: string; fingerprint: string; state: string }
  >();
  readonly leases = new Map<string, string>();

  record(intent: JournalIntent) {
    const byKey = this.entries.get(`${intent.account}/${intent.key}`);
    if (byKey && byKey.state !== 'not_made')
      return { recorded: false, key: byKey.key, fingerprint: byKey.fingerprint, by: 'key' };
    const byReference = [...this.entries.values()].find(
      (e) =>
        e.account === intent.account &&
        e.payment === intent.payment &&
        e.reference === intent.reference &&
        e.state !== 'not_made',
    );
    if (byReference)
      return { recorded: false, key: byReference.key, fingerprint: byReference.fingerprint, by: 'reference' };
    this.entries.set(`${intent.account}/${intent.key}`, { ...intent, state: 'recorded' });
    return { recorded: true, key: intent.key, fingerprint: intent.fingerprint, by: undefined };
  }

  get(account: string, key: string) {
    return this.entries.get(`${account}/${key}`);
  }

  lease(account: string, payment: string, holder: string) {
    const current = this.leases.get(`${account}/${payment}`);
    if (current !== undefined && current !== holder) return false;
    this.leases.set(`${account}/${payment}`, holder);
    return true;
  }

  release(account: string, payment: string, holder: string) {
    if (this.leases.get(`${account}/${payment}`) === holder) this.leases.delete(`${account}/${payment}`);
  }

  transition(account: string, key: string, holder: string, state: string) {
    const entry = this.get(account, key);
    if (!entry || entry.state === 'not_made' || this.leases.get(`${account}/${entry.payment}`) !== holder)
      return false;
    entry.state = state;
    return true;
  }

  unsettled() {
    return [...this.entries.values()]
      .filter((entry) => ['recorded', 'sent', 'in_doubt'].includes(entry.state))
      .map((entry) => `${entry.account}/${entry.key}`)
      .sort();
  }
}
