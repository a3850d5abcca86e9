// Regression tests for "never twice, never lost": one per class of issue found in the create protocol
// before its rewrite (each fails on that code). A refund is never made twice for one logical create, a
// call never ends in a plain error once a refund may have been made, callers never share a refund, and a
// name (idempotency key, reference) never answers for a refund of other parameters.
import { AsyncLocalStorage } from 'node:async_hooks';
import { type FaultSpec, type SandboxLedgerEntry, traceHeader } from '@refundkit/core/testing';
import { describe, expect, it } from 'vitest';
import { outcome } from '../../../test/support/outcome.js';
import {
  type Fetch,
  type SetupProvider as Provider,
  providerSetups as providers,
} from '../../../test/support/provider-setups.js';
import { createRefunds, type Refund, RefundError, type RefundsOptions } from '../src/index.js';

/**
 * Small delays, so that the whole file runs in a few seconds. The timeout is only reached where a test
 * makes an attempt outlive it; it is long enough for a sandbox's first requests (its validator compiles).
 */
const quick = { retryDelayMs: 1, maxRetryDelayMs: 20, timeoutMs: 500, deadlineMs: 5_000 } as const;

/** The call each request is made for: sent as the sandbox's trace header, recorded on the refunds it makes. */
const calls = new AsyncLocalStorage<string>();
const as = <T>(label: string, run: () => Promise<T>) => calls.run(label, run);

/**
 * A sandbox of `provider`, with one payment of 10 000 minor units. `soleWriter`: Commerce Layer adapters
 * that trust they are the only maker of refunds (one process), so they claim the refund of a lost trigger.
 */
function world(provider: Provider, { soleWriter = false } = {}) {
  const amount = 10_000;
  const spec = providers[provider];
  const sandbox = spec.sandbox();
  const payment = sandbox.createPayment({ amount, currency: spec.currency });
  /** Every request that could make a refund, by the call it was made for. */
  const makers: string[] = [];
  const requests: string[] = [];
  /**
   * One createRefunds over its own adapter ("a process"). `wrap` sits between the adapter and the sandbox;
   * every request carries the trace of the call it was made for.
   */
  function instance(options: Partial<RefundsOptions<never>> = {}, wrap?: (fetch: Fetch) => Fetch) {
    const traced: Fetch = (request) => {
      const label = calls.getStore();
      if (label !== undefined) request.headers.set(traceHeader, label);
      if (spec.makes(request)) makers.push(label ?? '?');
      requests.push(`${request.method} ${new URL(request.url).pathname}`);
      return sandbox.fetch(request);
    };
    const adapter = spec.adapter(sandbox, wrap ? wrap(traced) : traced, { soleWriter });
    const refunds = createRefunds({ providers: { [provider]: adapter }, ...quick, ...options });
    const create = (
      input: { amount?: number; reference?: string; reason?: string } = {},
      callOptions: { idempotencyKey?: string } = {},
    ) =>
      refunds.create(
        {
          provider,
          payment,
          ...(input.amount === undefined ? {} : { amount: { value: input.amount, currency: spec.currency } }),
          ...(input.reference === undefined ? {} : { reference: input.reference }),
          ...(input.reason === undefined ? {} : { reason: input.reason }),
        },
        callOptions,
      );
    return { refunds, create, adapter };
  }
  const ledger = () => sandbox.refunds().filter((entry) => entry.payment === payment);
  /**
   * Makes a refund of another payment, outside the counts: the sandbox's first requests are slow (its
   * validator compiles), and the tests that race a late commit or a timeout need them fast.
   */
  async function warm() {
    const other = sandbox.createPayment({ amount: 1000, currency: spec.currency });
    const facade = createRefunds({ providers: { [provider]: spec.adapter(sandbox, sandbox.fetch, {}) } });
    await facade.create({ provider, payment: other, amount: { value: 100, currency: spec.currency } });
    await facade.list({ provider, payment: other });
  }
  return { sandbox, payment, instance, ledger, makers, requests, spec, warm };
}

/** The refund, or an `outcome_unknown` that says what to do next: never a plain error. */
function expectMadeOrUnknown(result: { refund?: Refund; error?: RefundError }) {
  if (result.refund) return;
  expect(result.error).toMatchObject({ code: 'outcome_unknown', retryable: false });
  expect(result.error?.inDoubt?.idempotencyKey).toEqual(expect.any(String));
}

/** A fetch failure exactly like undici's for a refused connection: certainly never sent. */
const refused = () =>
  new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }),
  });

describe('never twice, never lost', () => {
  describe('1. Smartpay: a failure that sent nothing after one that may have made the refund', () => {
    const onCreate = { operationId: 'createRefund' };
    it.each<[string, FaultSpec[], boolean]>([
      // [name, faults after the drop, refuse the connection of every later create]. Retry-After 1 s is
      // beyond the longest wait (20 ms): the budget ends at the 429.
      ['an http-429', [{ kind: 'http-429', retryAfter: 1, match: onCreate }], false],
      ['refused connections', [], true],
    ])(
      'drop-after-commit, then %s: the one refund or outcome_unknown, never a plain error',
      async (_name, faults, refuse) => {
        const { sandbox, instance, ledger } = world('smartpay');
        sandbox.faults.inject({ kind: 'drop-after-commit', match: onCreate });
        for (const fault of faults) sandbox.faults.inject(fault);
        let creates = 0;
        const { create } = instance({}, (fetch) => async (request) => {
          if (providers.smartpay.makes(request) && ++creates >= 2 && refuse) throw refused();
          return fetch(request);
        });
        const result = await outcome(create({ amount: 100 }));
        // What the later attempt met says nothing about the first, which made the refund.
        expect(creates).toBeGreaterThanOrEqual(2);
        expectMadeOrUnknown(result);
        expect(ledger()).toHaveLength(1);
        if (result.refund) expect(result.refund.id).toBe(ledger()[0]!.id);
      },
    );
  });

  describe('2. Commerce Layer: a tag (updateRefund) that outlives its attempt', () => {
    it.each([1, Number.POSITIVE_INFINITY])(
      'slow tag (%s times): the refund, or outcome_unknown whose advice yields it; one refund',
      async (times) => {
        const { sandbox, instance, ledger, makers, warm } = world('commercelayer');
        await warm();
        // The refund is made and identified; its tag lands 300 ms later, long after the attempt ended.
        sandbox.faults.inject({ kind: 'slow', ms: 300, times, match: { operationId: 'updateRefund' } });
        const { create } = instance({ timeoutMs: 100 });
        const input = { amount: 300, reference: 'rma-slow-tag' };
        const first = await outcome(create(input, { idempotencyKey: 'slow-tag' }));
        let refund = first.refund;
        if (!refund) {
          expect(first.error).toMatchObject({ code: 'outcome_unknown', retryable: false });
          // Its advice: the same input under the key it names (the caller's), once the slow tag has landed.
          await sandbox.settled();
          sandbox.faults.clear();
          const again = await outcome(create(input, { idempotencyKey: 'slow-tag' }));
          await sandbox.settled();
          expect(makers).toHaveLength(1);
          expect(again.error).toBeUndefined();
          refund = again.refund;
          expect(first.error?.inDoubt).toMatchObject({
            idempotencyKey: 'slow-tag',
            reference: 'rma-slow-tag',
          });
        }
        await sandbox.settled();
        expect(makers).toHaveLength(1);
        expect(ledger()).toEqual([expect.objectContaining({ id: refund!.id, amount: 300 })]);
        expect(refund).toMatchObject({ reference: 'rma-slow-tag', amount: { value: 300 } });
      },
    );
  });

  describe('3. a gateway answers 502 while the provider commits later', () => {
    /** [label, provider, Commerce Layer's soleWriter] */
    const nonKeyProviders = [
      ['payop', 'payop', false],
      ['geins', 'geins', false],
      ['commercelayer', 'commercelayer', false],
      ['commercelayer (sole writer)', 'commercelayer', true],
    ] as const;

    it.each(nonKeyProviders)(
      '%s: never a second refund, the refund or outcome_unknown; its advice only looks again',
      async (_label, provider, soleWriter) => {
        const { sandbox, instance, ledger, makers, warm } = world(provider, { soleWriter });
        await warm();
        sandbox.faults.inject({
          kind: 'gateway-error',
          status: 502,
          ms: 50,
          match: { operationId: providers[provider].createOperation },
        });
        const { create } = instance();
        const input = { amount: 700, reference: `rma-502-${provider}` };
        const first = await outcome(create(input, { idempotencyKey: `gw-${provider}` }));
        expectMadeOrUnknown(first);
        await sandbox.settled();
        expect(ledger()).toHaveLength(1);
        if (first.refund) expect(first.refund.id).toBe(ledger()[0]!.id);
        else {
          const again = await outcome(
            create(input, { idempotencyKey: first.error!.inDoubt!.idempotencyKey }),
          );
          expectMadeOrUnknown(again);
          if (again.refund) expect(again.refund.id).toBe(ledger()[0]!.id);
          await sandbox.settled();
          expect(ledger()).toHaveLength(1);
        }
        expect(makers).toHaveLength(1);
      },
    );

    it.each(nonKeyProviders)(
      '%s: following the advice of a call whose key was generated never sends a second refund',
      async (_label, provider, soleWriter) => {
        const { sandbox, instance, ledger, makers, warm } = world(provider, { soleWriter });
        await warm();
        // Commits after every look of the first call: it can only end in outcome_unknown.
        sandbox.faults.inject({
          kind: 'gateway-error',
          ms: 150,
          match: { operationId: providers[provider].createOperation },
        });
        const { create } = instance();
        const first = await outcome(create({ amount: 500 }));
        await sandbox.settled();
        expect(makers).toHaveLength(1);
        expect(ledger()).toHaveLength(1);
        expect(first.error).toMatchObject({ code: 'outcome_unknown' });
        const key = first.error!.inDoubt!.idempotencyKey;
        // "call create again with idempotencyKey … and the same input, which looks for it first and never
        // sends it again": it looks, finds the refund the 502'd request made, and sends nothing.
        const again = await outcome(create({ amount: 500 }, { idempotencyKey: key }));
        await sandbox.settled();
        expect(makers).toHaveLength(1);
        expect(ledger()).toHaveLength(1);
        expectMadeOrUnknown(again);
        if (again.refund) expect(again.refund.id).toBe(ledger()[0]!.id);
      },
    );
  });

  describe('4. Commerce Layer: two refunds of one amount on one capture', () => {
    /** Each call that says "made" holds a refund its own call made, and no two callers hold one refund. */
    function expectOwnRefunds(
      results: { label: string; refund?: Refund; error?: RefundError }[],
      ledger: SandboxLedgerEntry[],
    ) {
      const held = results.flatMap((result) => (result.refund ? [result.refund.id] : []));
      expect(new Set(held).size).toBe(held.length);
      for (const result of results) {
        if (!result.refund) {
          expect(result.error).toMatchObject({ code: 'outcome_unknown' });
          continue;
        }
        const made = ledger.find((entry) => entry.id === result.refund!.id);
        expect(made?.trace).toBe(result.label);
      }
    }

    it.each([false, true])(
      '(a) one instance (soleWriter %s), two concurrent creates, one trigger meets an http-503',
      async (soleWriter) => {
        const { sandbox, instance, ledger, warm } = world('commercelayer', { soleWriter });
        await warm();
        sandbox.faults.inject({ kind: 'http-503', match: { operationId: 'updateCapture' } });
        // A wait before the first look long enough for the other create to make its refund meanwhile.
        const { create } = instance({ retryDelayMs: 20, maxRetryDelayMs: 40 });
        const results = await Promise.all(
          ['a', 'b'].map(async (label) => ({
            label,
            ...(await outcome(as(label, () => create({ amount: 400, reference: `rma-${label}` })))),
          })),
        );
        await sandbox.settled();
        // The 503 made nothing: one refund, which only the call that made it may hold.
        expect(ledger()).toHaveLength(1);
        expectOwnRefunds(results, ledger());
      },
    );

    it('(b) two processes, one trigger lost before it reached Commerce Layer', async () => {
      const { sandbox, instance, ledger, warm } = world('commercelayer');
      await warm();
      let triggerOfFirst: () => void = () => {};
      const firstTriggers = new Promise<void>((resolve) => {
        triggerOfFirst = resolve;
      });
      let secondDone: () => void = () => {};
      const secondEnded = new Promise<void>((resolve) => {
        secondDone = resolve;
      });
      // Process 1: its trigger waits until process 2 has made (and tagged) its refund, then is reset
      // before Commerce Layer sees it.
      const first = instance({}, (fetch) => async (request) => {
        if (providers.commercelayer.makes(request)) {
          triggerOfFirst();
          await secondEnded;
          sandbox.faults.inject({ kind: 'reset', match: { operationId: 'updateCapture' } });
        }
        return fetch(request);
      });
      const second = instance();
      const one = as('p1', () => outcome(first.create({ amount: 400, reference: 'rma-p1' })));
      await firstTriggers;
      const two = await as('p2', () => outcome(second.create({ amount: 400, reference: 'rma-p2' })));
      secondDone();
      const results = [
        { label: 'p1', ...(await one) },
        { label: 'p2', ...two },
      ];
      await sandbox.settled();
      expect(ledger()).toHaveLength(1);
      expect(two.refund).toMatchObject({ reference: 'rma-p2' });
      expectOwnRefunds(results, ledger());
      // Process 2's refund keeps process 2's reference.
      expect(ledger()[0]).toMatchObject({ reference: 'rma-p2', trace: 'p2' });
    });
  });

  describe('5. a key or reference names one refund', () => {
    it('a caller reference reused with another amount is a conflict (field reference), sending nothing', async () => {
      const { instance, ledger, makers, requests } = world('payop');
      const { create } = instance();
      await create({ amount: 100, reference: 'rma-once' });
      const sent = requests.length;
      const error = await create({ amount: 200, reference: 'rma-once' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RefundError);
      expect(error).toMatchObject({ code: 'conflict', field: 'reference', retryable: false });
      expect(requests).toHaveLength(sent);
      expect(makers).toHaveLength(1);
      expect(ledger()).toEqual([expect.objectContaining({ amount: 100 })]);
    });

    it('a caller idempotency key reused with other input is a conflict (field idempotencyKey), sending nothing', async () => {
      const { instance, ledger, makers, requests } = world('payop');
      const { create } = instance();
      const made = await create({ amount: 100 }, { idempotencyKey: 'key-once' });
      // The same input is the same refund, returned without sending.
      await expect(create({ amount: 100 }, { idempotencyKey: 'key-once' })).resolves.toEqual(made);
      const sent = requests.length;
      const error = await create({ amount: 200 }, { idempotencyKey: 'key-once' }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: 'conflict', field: 'idempotencyKey', retryable: false });
      expect(requests).toHaveLength(sent);
      expect(makers).toHaveLength(1);
      expect(ledger()).toEqual([expect.objectContaining({ id: made.id, amount: 100 })]);
    });

    it.each(['payop', 'geins', 'commercelayer'] as const)(
      '%s: 5 concurrent creates with one caller key make one refund, and every caller gets it',
      async (provider) => {
        const { sandbox, instance, ledger, makers } = world(provider);
        const { create } = instance();
        const made = await Promise.all(
          Array.from({ length: 5 }, () => create({ amount: 250 }, { idempotencyKey: `five-${provider}` })),
        );
        await sandbox.settled();
        expect(makers).toHaveLength(1);
        expect(ledger()).toHaveLength(1);
        expect(new Set(made.map((refund) => refund.id))).toEqual(new Set([ledger()[0]!.id]));
      },
    );

    it.each(['payop', 'geins'] as const)(
      '%s: a reused reference whose create meets a 5xx never answers with the refund of another amount',
      async (provider) => {
        const { sandbox, instance, ledger } = world(provider);
        // Another process made a refund of 100 with the reference, which this process reuses for 200.
        const earlier = await instance().create({ amount: 100, reference: 'rma-reused' });
        sandbox.faults.inject({
          kind: 'http-500',
          match: { operationId: providers[provider].createOperation },
        });
        const result = await outcome(instance().create({ amount: 200, reference: 'rma-reused' }));
        expect(result.refund?.id).not.toBe(earlier.id);
        expect(result.refund).toBeUndefined();
        expect(result.error).toMatchObject({
          code: 'outcome_unknown',
          inDoubt: { reference: 'rma-reused', amount: { value: 200 }, candidates: [] },
        });
        expect(ledger()).toEqual([expect.objectContaining({ id: earlier.id, amount: 100 })]);
      },
    );
  });
});
