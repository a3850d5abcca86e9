// The refund journal as processes share it: several `createRefunds` instances over one `memoryJournal()`
// behave as processes over one durable store would (the journal is all they share). Over HTTP, against
// sandboxes listening on 127.0.0.1. A "crash" is an instance whose requests and journal writes stop
// answering mid-create: its call is abandoned, its lease expires, and `recover()` in a new instance
// settles what it left.
import { AsyncLocalStorage } from 'node:async_hooks';
import { traceHeader } from '@refundkit/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { outcome } from '../../../test/support/outcome.js';
import {
  type AnySandbox,
  type SetupProvider as Provider,
  providerSetups,
} from '../../../test/support/provider-setups.js';
import {
  commercelayer,
  createRefunds,
  geins,
  memoryJournal,
  payop,
  type Refund,
  RefundError,
  type RefundJournal,
  type RefundsOptions,
  smartpay,
} from '../src/index.js';

const quick = { retryDelayMs: 1, maxRetryDelayMs: 20, timeoutMs: 1_000, deadlineMs: 5_000 } as const;
const calls = new AsyncLocalStorage<string>();
const as = <T>(label: string, run: () => Promise<T>) => calls.run(label, run);
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

type Fetch = (request: Request) => Promise<Response>;
const adapters = {
  smartpay: (sandbox: AnySandbox, baseUrl: string, fetch: Fetch) =>
    smartpay({ secretKey: sandbox.credentials.secretKey!, baseUrl, fetch }),
  payop: (sandbox: AnySandbox, baseUrl: string, fetch: Fetch) =>
    payop({ token: sandbox.credentials.token!, baseUrl, fetch }),
  geins: (sandbox: AnySandbox, baseUrl: string, fetch: Fetch) =>
    geins({
      apiKey: sandbox.credentials.apiKey!,
      username: sandbox.credentials.username!,
      password: sandbox.credentials.password!,
      baseUrl,
      fetch,
    }),
  commercelayer: (sandbox: AnySandbox, baseUrl: string, fetch: Fetch, soleWriter = false) =>
    commercelayer({
      organization: sandbox.credentials.organization!,
      accessToken: sandbox.credentials.accessToken!,
      baseUrl,
      fetch,
      ...(soleWriter ? { soleWriter } : {}),
    }),
};

/** A sandbox listening on 127.0.0.1 with one payment, one shared journal, and instances ("processes"). */
async function world(provider: Provider, { soleWriter = false } = {}) {
  const spec = providerSetups[provider];
  const sandbox = spec.sandbox();
  const { url, close } = await sandbox.listen();
  closers.push(close);
  const payment = sandbox.createPayment({ amount: 10_000, currency: spec.currency });
  const journal = memoryJournal();
  /** Refund-making requests, by the call they were made for; how many were out at once, at most. */
  const makers: string[] = [];
  const concurrency = { now: 0, max: 0 };
  /**
   * One `createRefunds` over the shared journal. `crashAt`: at its first refund-making request, sent on
   * (`after`) or not (`before`), the instance "dies": nothing it sends or writes answers any more.
   */
  function instance(options: Partial<RefundsOptions<never>> & { crashAt?: 'before' | 'after' } = {}) {
    const { crashAt, ...facadeOptions } = options;
    let dead = false;
    const never = new Promise<never>(() => {});
    const fetch: Fetch = async (request) => {
      if (dead) return never;
      const label = calls.getStore();
      if (label !== undefined) request.headers.set(traceHeader, label);
      if (spec.makes(request)) {
        makers.push(label ?? '?');
        if (crashAt) {
          if (crashAt === 'after') await globalThis.fetch(request);
          dead = true;
          return never;
        }
      }
      if (!spec.makes(request)) return globalThis.fetch(request);
      concurrency.max = Math.max(concurrency.max, ++concurrency.now);
      try {
        return await globalThis.fetch(request);
      } finally {
        concurrency.now -= 1;
      }
    };
    // The journal as this instance sees it: silent once it died.
    const own = Object.fromEntries(
      Object.entries(journal).map(([name, method]) => [
        name,
        (...args: never[]) => (dead ? never : (method as (...a: never[]) => unknown)(...args)),
      ]),
    ) as unknown as RefundJournal;
    const adapter = adapters[provider](sandbox, url, fetch, soleWriter);
    const refunds = createRefunds({
      providers: { [provider]: adapter },
      journal: own,
      ...quick,
      ...facadeOptions,
    });
    const create = (
      input: { amount?: number; reference?: string } = {},
      callOptions: { idempotencyKey?: string } = {},
    ) =>
      refunds.create(
        {
          provider,
          payment,
          ...(input.amount === undefined ? {} : { amount: { value: input.amount, currency: spec.currency } }),
          ...(input.reference === undefined ? {} : { reference: input.reference }),
        },
        callOptions,
      );
    return { refunds, create, died: () => dead };
  }
  const ledger = () => sandbox.refunds().filter((entry) => entry.payment === payment);
  return { sandbox, payment, journal, instance, ledger, makers, concurrency, spec };
}

/** Polls `condition` every 5 ms, at most `ms`. */
async function until(condition: () => boolean, ms = 5_000) {
  for (const started = performance.now(); !condition(); ) {
    if (performance.now() - started > ms) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const everyProvider = ['smartpay', 'payop', 'geins', 'commercelayer'] as const;

describe('createRefunds({ journal, leaseMs })', () => {
  it.each<[string, unknown, string, string]>([
    ['a journal without methods', { journal: {} }, 'journal', 'an object without record'],
    ['a journal that is not an object', { journal: 'postgres://' }, 'journal', 'got string'],
    ['leaseMs: 0', { leaseMs: 0 }, 'leaseMs', 'from 1 to 2147483647, got 0'],
  ])('refuses %s, naming the option', (_name, options, field, message) => {
    const sandbox = providerSetups.payop.sandbox();
    const adapter = payop({ token: sandbox.credentials.token! });
    let error: unknown;
    try {
      createRefunds({ providers: { payop: adapter }, ...(options as object) });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({ code: 'invalid_request', field });
    expect((error as Error).message).toContain(message);
  });
});

describe('instances sharing one journal', () => {
  it.each(everyProvider)(
    '%s: one caller idempotency key used at once through two instances makes one refund, which every caller gets',
    async (provider) => {
      const { sandbox, instance, ledger, makers } = await world(provider);
      // The first create is slow, so that the others arrive while it is in flight.
      sandbox.faults.inject({
        kind: 'slow',
        ms: 150,
        match: { operationId: providerSetups[provider].createOperation },
      });
      const [one, two] = [instance(), instance()];
      const made = await Promise.all(
        [one, two, one, two].map((facade, index) =>
          as(`c${index}`, () => facade.create({ amount: 250 }, { idempotencyKey: `rma-1-${provider}` })),
        ),
      );
      await sandbox.settled();
      expect(makers).toHaveLength(1);
      expect(ledger()).toHaveLength(1);
      expect(new Set(made.map((refund) => refund.id))).toEqual(new Set([ledger()[0]!.id]));
      // Later, on either instance: the recorded refund, nothing sent.
      await expect(two.create({ amount: 250 }, { idempotencyKey: `rma-1-${provider}` })).resolves.toEqual(
        made[0],
      );
      expect(makers).toHaveLength(1);
      // The same key with other input is a conflict on the other instance too.
      await expect(
        one.create({ amount: 300 }, { idempotencyKey: `rma-1-${provider}` }),
      ).rejects.toMatchObject({ code: 'conflict', field: 'idempotencyKey' });
    },
  );

  it.each(everyProvider)(
    '%s: one caller reference, without keys, through two instances at once: one refund',
    async (provider) => {
      const { sandbox, instance, ledger, makers } = await world(provider);
      const [one, two] = [instance(), instance()];
      const made = await Promise.all([
        one.create({ amount: 250, reference: 'rma-2' }),
        two.create({ amount: 250, reference: 'rma-2' }),
      ]);
      await sandbox.settled();
      expect(makers).toHaveLength(1);
      expect(ledger()).toHaveLength(1);
      expect(made[0]!.id).toBe(made[1]!.id);
    },
  );

  it.each([false, true])(
    'commercelayer (soleWriter %s): same-amount creates on one capture through two instances at once: each caller gets its own refund',
    async (soleWriter) => {
      const { sandbox, instance, ledger, concurrency } = await world('commercelayer', { soleWriter });
      // Slow triggers, which would overlap if the instances did not take turns on the capture.
      sandbox.faults.inject({ kind: 'slow', ms: 60, times: 4, match: { operationId: 'updateCapture' } });
      const [one, two] = [instance(), instance()];
      const labels = ['a', 'b', 'c', 'd'];
      const results = await Promise.all(
        labels.map((label, index) =>
          as(label, () => (index % 2 === 0 ? one : two).create({ amount: 400, reference: `rma-${label}` })),
        ),
      );
      await sandbox.settled();
      expect(ledger()).toHaveLength(4);
      for (const [index, refund] of results.entries()) {
        const made = ledger().find((entry) => entry.id === refund.id);
        // The refund this caller holds is the one its own trigger made, tagged with its reference.
        expect(made).toMatchObject({ trace: labels[index], reference: `rma-${labels[index]}` });
      }
      expect(new Set(results.map((refund) => refund.id)).size).toBe(4);
      // The payment's lease: one trigger out at a time, across the instances.
      expect(concurrency.max).toBe(1);
    },
  );
});

describe('a crash mid-create, then recover() in a new instance', () => {
  /** The create of a crashing instance, abandoned once it died; its lease (300 ms) is left to expire. */
  async function crashed(
    crashing: ReturnType<Awaited<ReturnType<typeof world>>['instance']>,
    input: { amount: number; reference?: string },
    key?: string,
  ) {
    // Abandoned: it ends at its deadline (its journal never answers), and nobody hears it.
    void as('crashed', () => crashing.create(input, key === undefined ? {} : { idempotencyKey: key })).catch(
      () => {},
    );
    await until(crashing.died);
    await new Promise((resolve) => setTimeout(resolve, 350));
  }

  it.each(['smartpay', 'payop', 'geins'] as const)(
    '%s: the create reached the provider: recover() finds the refund, and sends no second create',
    async (provider) => {
      const { sandbox, instance, ledger, makers } = await world(provider);
      await crashed(instance({ crashAt: 'after', leaseMs: 300 }), { amount: 700 }, `rma-3-${provider}`);
      await sandbox.settled();
      expect(ledger()).toHaveLength(1);
      const fresh = instance();
      const report = await fresh.refunds.recover();
      expect(report).toMatchObject({ notMade: [], inDoubt: [], busy: [], unreached: [] });
      expect(report.made).toEqual([
        expect.objectContaining({
          provider,
          idempotencyKey: `rma-3-${provider}`,
          refund: expect.objectContaining({ id: ledger()[0]!.id }),
        }),
      ]);
      // Smartpay is sent it again under its key (and deduplicates it); the others only look.
      expect(makers).toHaveLength(provider === 'smartpay' ? 2 : 1);
      expect(ledger()).toHaveLength(1);
      // The caller's retry with its key gets the recovered refund, sending nothing.
      await expect(fresh.create({ amount: 700 }, { idempotencyKey: `rma-3-${provider}` })).resolves.toEqual(
        report.made[0]!.refund,
      );
      expect(makers).toHaveLength(provider === 'smartpay' ? 2 : 1);
      await expect(fresh.refunds.recover()).resolves.toMatchObject({ made: [], inDoubt: [] });
    },
  );

  it('commercelayer: the trigger reached Commerce Layer: recover() restores the memo and, as the sole writer, finds and tags the refund', async () => {
    const { sandbox, instance, ledger, makers } = await world('commercelayer', { soleWriter: true });
    await crashed(instance({ crashAt: 'after', leaseMs: 300 }), { amount: 700, reference: 'rma-4' });
    await sandbox.settled();
    expect(ledger()).toEqual([expect.objectContaining({ reference: undefined })]);
    const report = await instance().refunds.recover();
    expect(report.made).toEqual([
      expect.objectContaining({
        refund: expect.objectContaining({ id: ledger()[0]!.id, reference: 'rma-4' }),
      }),
    ]);
    expect(makers).toHaveLength(1);
    expect(ledger()).toEqual([expect.objectContaining({ reference: 'rma-4' })]);
  });

  it('commercelayer, by default: recover() names the new refund as a candidate, in doubt, and triggers nothing', async () => {
    const { sandbox, instance, ledger, makers } = await world('commercelayer');
    await crashed(instance({ crashAt: 'after', leaseMs: 300 }), { amount: 700, reference: 'rma-5' });
    await sandbox.settled();
    const report = await instance().refunds.recover();
    expect(report.made).toEqual([]);
    expect(report.inDoubt).toEqual([
      expect.objectContaining({
        reference: 'rma-5',
        error: expect.objectContaining({
          code: 'outcome_unknown',
          inDoubt: expect.objectContaining({ candidates: [ledger()[0]!.id] }),
        }),
      }),
    ]);
    expect(makers).toHaveLength(1);
  });

  it.each(everyProvider)(
    '%s: a crash before anything was sent: recover() finds it certainly not made, and the key makes one refund later',
    async (provider) => {
      const { sandbox, instance, ledger, makers, journal } = await world(provider);
      // Recorded, then the instance died before it took its lease: never sent.
      const lease = journal.lease;
      let recorded = false;
      journal.lease = () => {
        recorded = true;
        return new Promise<never>(() => {});
      };
      void instance().create({ amount: 800 }, { idempotencyKey: `rma-6-${provider}` });
      await until(() => recorded);
      journal.lease = lease;
      const fresh = instance();
      const report = await fresh.refunds.recover();
      expect(report.notMade).toEqual([
        expect.objectContaining({
          idempotencyKey: `rma-6-${provider}`,
          amount: { value: 800, currency: expect.any(String) },
        }),
      ]);
      expect(makers).toHaveLength(0);
      const refund = await fresh.create({ amount: 800 }, { idempotencyKey: `rma-6-${provider}` });
      await sandbox.settled();
      expect(ledger()).toEqual([expect.objectContaining({ id: refund.id })]);
    },
  );

  it('recover() skips, and reports busy, an intent whose lease another live call holds', async () => {
    const { instance, journal, payment } = await world('payop');
    await journal.record({
      account: 'payop',
      key: 'held',
      provider: 'payop',
      payment,
      reference: 'rma-held',
      fingerprint: 'f',
      input: {
        payment,
        amount: undefined,
        reason: undefined,
        reference: 'rma-held',
        metadata: undefined,
        idempotencyKey: 'held',
      },
    });
    expect(await journal.lease('payop', payment, 'someone-alive', 60_000)).toBe(true);
    const report = await instance().refunds.recover();
    expect(report.busy).toEqual([expect.objectContaining({ idempotencyKey: 'held', payment })]);
    expect((await journal.get('payop', 'held'))?.state).toBe('recorded');
  });
});

describe('a journal that fails', () => {
  it.each(['record', 'lease', 'transition'] as const)(
    'a failing %s before the send: a retryable journal error, nothing sent',
    async (method) => {
      const { instance, journal, makers, ledger } = await world('payop');
      journal[method] = async () => {
        throw new Error('connection refused');
      };
      const error = await instance()
        .create({ amount: 100 })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RefundError);
      expect(error).toMatchObject({ code: 'journal', retryable: true });
      expect((error as Error).message).toContain('nothing was sent');
      expect(makers).toHaveLength(0);
      expect(ledger()).toHaveLength(0);
    },
  );

  it('a lease lost before the send (its `sent` refused): nothing sent; lost before a resend: outcome_unknown, no resend', async () => {
    const { sandbox, instance, journal, makers } = await world('smartpay');
    const transition = journal.transition;
    let refuseSent = (_sends: number) => true;
    let sends = 0;
    journal.transition = async (account, key, holder, change) => {
      if (change.state === 'sent' && refuseSent(++sends)) return false;
      return transition(account, key, holder, change);
    };
    const facade = instance();
    const error = await facade.create({ amount: 100 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'journal', retryable: true });
    expect((error as Error).message).toContain('lease, so nothing was sent');
    expect(makers).toHaveLength(0);
    // The first send goes out and its answer is lost; the resend's `sent` is refused: never resent.
    refuseSent = (count) => count > 1;
    sends = 0;
    sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'createRefund' } });
    const second = await outcome(facade.create({ amount: 100 }, { idempotencyKey: 'rma-9' }));
    expect(second.error).toMatchObject({ code: 'outcome_unknown', inDoubt: { idempotencyKey: 'rma-9' } });
    expect(makers).toHaveLength(1);
  });

  it('a journal that fails after the send: the refund is returned, and a later create with its key finds it', async () => {
    const { sandbox, instance, journal, makers, ledger } = await world('geins');
    const transition = journal.transition;
    let down = true;
    journal.transition = async (account, key, holder, change) => {
      if (down && change.state === 'made') throw new Error('connection reset');
      return transition(account, key, holder, change);
    };
    const facade = instance();
    const refund = await facade.create({ amount: 100 }, { idempotencyKey: 'rma-7' });
    down = false;
    // The journal still says `sent`: the next create with the key looks for it, never sends again.
    await expect(facade.create({ amount: 100 }, { idempotencyKey: 'rma-7' })).resolves.toMatchObject({
      id: refund.id,
    });
    await sandbox.settled();
    expect(makers).toHaveLength(1);
    expect(ledger()).toHaveLength(1);
  });
});

describe('waiting for a lease another instance holds', () => {
  it('past the deadline, a create with a generated key is certainly not made (retryable), one with a caller key in doubt', async () => {
    const { instance, journal, payment, makers } = await world('payop');
    expect(await journal.lease('payop', payment, 'someone-alive', 60_000)).toBe(true);
    const facade = instance({ deadlineMs: 100 });
    await expect(facade.create({ amount: 100 })).rejects.toMatchObject({ code: 'timeout', retryable: true });
    const named = await outcome(facade.create({ amount: 100 }, { idempotencyKey: 'rma-8' }));
    expect(named.error).toMatchObject({ code: 'outcome_unknown', inDoubt: { idempotencyKey: 'rma-8' } });
    expect(makers).toHaveLength(0);
    // Once the lease is free, the key's create sends it.
    await journal.release('payop', payment, 'someone-alive');
    await expect(instance().create({ amount: 100 }, { idempotencyKey: 'rma-8' })).resolves.toMatchObject({
      amount: { value: 100 },
    });
    expect(makers).toHaveLength(1);
  });
});

/**
 * Makes the first `get` of calls run `as('a', …)` answer 300 ms late (a loaded database); resolves when that
 * slow read has begun.
 */
function slowFirstGetOfA(journal: RefundJournal): Promise<void> {
  const get = journal.get;
  let slowGets = 1;
  return new Promise<void>((slowed) => {
    journal.get = async (account, key) => {
      const entry = await get(account, key);
      if (calls.getStore() === 'a' && slowGets-- > 0) {
        slowed();
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      return entry;
    };
  });
}

describe('a lease that lapses mid-create (review)', () => {
  it('payop: a holder slowed past its lease after reading `recorded` sends nothing once another call made the refund', async () => {
    const { sandbox, instance, journal, makers, ledger } = await world('payop');
    // Instance A's journal answers `get` late (a loaded database): its lease (50 ms) lapses between the
    // read that finds the entry `recorded` and the `sent` before its send.
    const slowedOnce = slowFirstGetOfA(journal);
    const a = instance({ leaseMs: 50 });
    const first = as('a', () => outcome(a.create({ amount: 100 }, { idempotencyKey: 'rma-lapse' })));
    await slowedOnce;
    // B, another process with the same key, takes the lapsed lease, makes the refund and releases it.
    const second = await as('b', () =>
      outcome(instance({ leaseMs: 50 }).create({ amount: 100 }, { idempotencyKey: 'rma-lapse' })),
    );
    expect(second.refund).toBeDefined();
    const firstOutcome = await first;
    await sandbox.settled();
    expect(makers).toHaveLength(1);
    expect(ledger()).toHaveLength(1);
    // A sent nothing, and cannot tell whether B made it: in doubt. The journal still says made, so A's
    // create repeated with the key gets B's refund.
    expect(firstOutcome.error).toMatchObject({
      code: 'outcome_unknown',
      inDoubt: { idempotencyKey: 'rma-lapse' },
    });
    expect(firstOutcome.error?.message).toContain('lease lapsed before the send');
    expect((await journal.get('payop', 'rma-lapse'))?.state).toBe('made');
    await expect(a.create({ amount: 100 }, { idempotencyKey: 'rma-lapse' })).resolves.toEqual(second.refund);
    expect(makers).toHaveLength(1);
  });

  it('payop: a holder whose lease lapsed, refused the send, does not write `not_made` over the refund another call made', async () => {
    const { sandbox, instance, journal, makers, ledger } = await world('payop');
    let bDone: Promise<unknown> = Promise.resolve();
    const slowedOnce = slowFirstGetOfA(journal);
    // A's ending is written after B released the payment, so a lease taken again would be free.
    const transition = journal.transition;
    journal.transition = async (account, key, holder, change) => {
      if (calls.getStore() === 'a' && change.state === 'not_made') await bDone;
      return transition(account, key, holder, change);
    };
    const a = instance({ leaseMs: 50 });
    const first = as('a', () => outcome(a.create({ amount: 100 }, { idempotencyKey: 'rma-lapse-2' })));
    await slowedOnce;
    // B holds its own lease (long) through a slow create, past A's wake-up.
    sandbox.faults.inject({ kind: 'slow', ms: 400, match: { operationId: 'createRefund' } });
    const b = instance({ leaseMs: 5_000 });
    const second = as('b', () => outcome(b.create({ amount: 100 }, { idempotencyKey: 'rma-lapse-2' })));
    bDone = second;
    expect((await second).refund).toBeDefined();
    expect((await first).error).toMatchObject({ code: 'journal', retryable: true });
    expect((await journal.get('payop', 'rma-lapse-2'))?.state).toBe('made');
    // The key still names B's refund: a third create returns it and sends nothing.
    await expect(b.create({ amount: 100 }, { idempotencyKey: 'rma-lapse-2' })).resolves.toEqual(
      (await second).refund,
    );
    await sandbox.settled();
    expect(makers).toHaveLength(1);
    expect(ledger()).toHaveLength(1);
  });
});

describe('a journal that stops answering (review)', () => {
  /** `promise`'s outcome, or 'still waiting' once `ms` passed. */
  const within = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([
      outcome(promise as Promise<Refund>),
      new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms)),
    ]);

  it.each(['record', 'lease', 'get', 'transition', 'release'] as const)(
    'a %s that never answers: the create ends by its deadline',
    async (method) => {
      const { sandbox, instance, journal } = await world('payop');
      journal[method] = () => new Promise<never>(() => {});
      const result = await within(instance({ deadlineMs: 200 }).create({ amount: 100 }), 2_000);
      await sandbox.settled();
      expect(result).not.toBe('still waiting');
      if (method === 'release' && result !== 'still waiting') expect(result.refund).toBeDefined();
    },
  );
});

describe('one journal, two configurations (review)', () => {
  // Known, not fixed: the journal keys entries and leases by the provider *name* (the key in `providers`),
  // not by the account behind it. Two processes of one deployment that name one PayOp account differently
  // (a rename rolled out process by process) share no keys: one idempotency key makes two refunds. This
  // test asserts the documented guarantee ("instances sharing one journal never make a logical refund
  // twice") and is marked `fails` until the journal keys by account.
  it.fails('one account under two names in two instances, one caller key: one refund', async () => {
    const { sandbox, journal, ledger, payment } = await world('payop');
    const { url, close } = await sandbox.listen();
    closers.push(close);
    const adapter = () => payop({ token: sandbox.credentials.token!, baseUrl: url });
    const before = createRefunds({ providers: { payop: adapter() }, journal, ...quick });
    const after = createRefunds({ providers: { 'payop-eu': adapter() }, journal, ...quick });
    const amount = { value: 100, currency: 'EUR' };
    await before.create({ provider: 'payop', payment, amount }, { idempotencyKey: 'rma-rename' });
    await after.create({ provider: 'payop-eu', payment, amount }, { idempotencyKey: 'rma-rename' });
    await sandbox.settled();
    expect(ledger()).toHaveLength(1);
  });
});
