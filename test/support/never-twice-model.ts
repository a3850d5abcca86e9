// A seeded model of the facade's create protocol against the four sandboxes: random fault sequences,
// concurrent creates on one payment, shared keys and references, two `createRefunds` instances (as two
// processes would be), and callers that follow `outcome_unknown`'s advice. After every round it checks
// what "never twice, never lost" promises, attributing each ledger refund to the logical create whose
// request made it (the sandbox records the trace header each request carries).
import { AsyncLocalStorage } from 'node:async_hooks';
import { type FaultSpec, seededRandom, traceHeader } from '@refundkit/core/testing';
import { createRefunds, type Refund, RefundError } from 'refundkit';
import { type ProviderSetup, providerSetups } from './provider-setups.js';

/** `commercelayer-sole-writer`: one instance whose adapter is told it is the only writer (`soleWriter`). */
export type ModelProvider = 'smartpay' | 'payop' | 'geins' | 'commercelayer' | 'commercelayer-sole-writer';

interface Setup extends ProviderSetup {
  /** How many `createRefunds` instances (processes) share the sandbox. */
  instances: 1 | 2;
  soleWriter: boolean;
}

const setups: Record<ModelProvider, Setup> = {
  smartpay: { ...providerSetups.smartpay, instances: 2, soleWriter: false },
  payop: { ...providerSetups.payop, instances: 2, soleWriter: false },
  geins: { ...providerSetups.geins, instances: 2, soleWriter: false },
  commercelayer: { ...providerSetups.commercelayer, instances: 2, soleWriter: false },
  'commercelayer-sole-writer': { ...providerSetups.commercelayer, instances: 1, soleWriter: true },
};

/** Seeded choices: every choice of a run follows from its seed. */
function random(seed: number) {
  const next = seededRandom(seed);
  return {
    next,
    int: (below: number) => Math.floor(next() * below),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Random = ReturnType<typeof random>;

/** Facade settings of the model: short enough for thousands of creates, with attempts that time out. */
const timing = { timeoutMs: 40, retryDelayMs: 2, maxRetryDelayMs: 10, deadlineMs: 3_000, maxRetries: 2 };

function randomFault(rng: Random, setup: Setup): FaultSpec {
  const operationId = rng.chance(0.6) ? setup.createOperation : rng.pick(setup.otherOperations);
  const base = { match: { operationId }, times: 1 + rng.int(2), skip: rng.int(3) };
  switch (rng.int(10)) {
    case 0:
      return { ...base, kind: rng.pick(['http-500', 'http-503'] as const) };
    case 1:
      return { ...base, kind: 'http-429', retryAfter: 0 };
    case 2:
      return { ...base, kind: 'reset' };
    case 3:
      return { ...base, kind: 'drop-after-commit', drop: rng.pick(['reset', 'timeout'] as const) };
    case 4:
    case 5:
      return {
        ...base,
        kind: 'gateway-error',
        status: rng.pick([502, 503, 504] as const),
        ms: rng.pick([0, 15, 60]),
      };
    case 6:
    case 7:
      // Below and beyond the attempt's timeout.
      return { ...base, kind: 'slow', ms: rng.pick([10, 30, 70]) };
    case 8:
      return { ...base, kind: 'garbage-200', commit: rng.chance(0.7) };
    default:
      return { ...base, kind: 'delay', ms: rng.pick([5, 20]) };
  }
}

/** One create as a caller makes it. */
interface PlannedCall {
  logical: string;
  instance: 0 | 1;
  amount: number | undefined;
  idempotencyKey: string | undefined;
  reference: string | undefined;
  startMs: number;
  /**
   * Reuses the key or reference of `after` with other input, once that call has ended: refused, sending
   * nothing, unless that call ended certainly not made (then the name is free again).
   */
  misuse: boolean;
  after?: PlannedCall;
}

interface Outcome {
  call: PlannedCall;
  refund?: Refund;
  error?: RefundError;
  /** Calls made by following the advice of an `outcome_unknown`. */
  followUps: number;
}

export interface ModelFailure {
  seed: number;
  provider: ModelProvider;
  round: number;
  problem: string;
  faults: FaultSpec[];
  calls: PlannedCall[];
}

export interface ModelReport {
  creates: number;
  rounds: number;
  made: number;
  unknown: number;
  refused: number;
  failures: ModelFailure[];
}

function planCalls(rng: Random, setup: Setup, round: number): PlannedCall[] {
  const calls: PlannedCall[] = [];
  const count = 2 + rng.int(4);
  for (let index = 0; index < count; index += 1) {
    const instance = setup.instances === 2 && rng.chance(0.3) ? 1 : 0;
    const previous = calls.length > 0 ? rng.pick(calls) : undefined;
    const kind = rng.int(6);
    // Shared keys across instances only where the provider deduplicates: refundkit alone cannot yet.
    if (
      previous &&
      kind === 0 &&
      previous.idempotencyKey &&
      !previous.misuse &&
      (setup.idempotencyKeys || previous.instance === instance)
    ) {
      // The same logical refund again, concurrently: one call.
      calls.push({ ...previous, instance, startMs: rng.int(10) });
      continue;
    }
    const logical = `r${round}-${index}`;
    if (previous && kind === 1 && !previous.misuse && previous.instance === instance) {
      // A key or reference reused with another amount: refused before sending.
      const byKey = previous.idempotencyKey !== undefined && rng.chance(0.5);
      calls.push({
        logical,
        instance,
        amount: (previous.amount ?? 500) + 100,
        idempotencyKey: byKey ? previous.idempotencyKey : undefined,
        reference: byKey ? undefined : (previous.reference ?? undefined),
        startMs: 0,
        misuse: byKey || previous.reference !== undefined,
        after: previous,
      });
      continue;
    }
    calls.push({
      logical,
      instance,
      // Few distinct amounts, so that same-amount refunds on one payment are common.
      amount: setup.fullRefunds && rng.chance(0.08) ? undefined : rng.pick([500, 500, 1000]),
      idempotencyKey: rng.chance(0.5) ? `key-${logical}` : undefined,
      reference: rng.chance(0.4) ? `ref-${logical}` : undefined,
      startMs: rng.int(10),
      misuse: false,
    });
  }
  return calls;
}

export async function runRound(
  provider: ModelProvider,
  seed: number,
  round: number,
  log?: (line: string) => void,
): Promise<{ outcomes: Outcome[]; failures: ModelFailure[] }> {
  const setup = setups[provider];
  const rng = random(seed ^ Math.imul(round + 1, 0x9e3779b1));
  const sandbox = setup.sandbox(rng.int(2 ** 31));
  const paymentAmount = 2_500;
  const payment = sandbox.createPayment({ amount: paymentAmount, currency: setup.currency });
  const trace = new AsyncLocalStorage<string>();
  const facades = [0, 1].map(() => {
    const fetch = (request: Request) => {
      const logical = trace.getStore();
      if (logical) request.headers.set(traceHeader, logical);
      return sandbox.fetch(request);
    };
    return createRefunds({
      providers: { [provider]: setup.adapter(sandbox, fetch, { soleWriter: setup.soleWriter }) },
      ...timing,
      ...(log && {
        hooks: {
          onRequest: (event) =>
            log(`${trace.getStore()} ${event.operation}#${event.attempt} ${event.method} ${event.url}`),
          onResponse: (event) => log(`${trace.getStore()}   <- ${event.status}`),
          onRetry: (event) =>
            log(`${trace.getStore()}   retry after ${event.error?.code} ${event.error?.status}`),
        },
      }),
    });
  });
  const faults = Array.from({ length: 1 + rng.int(4) }, () => randomFault(rng, setup));
  for (const fault of faults) sandbox.faults.inject(fault);
  const calls = planCalls(rng, setup, round);
  const failures: ModelFailure[] = [];
  const fail = (problem: string) => failures.push({ seed, provider, round, problem, faults, calls });

  const inputOf = (call: PlannedCall) => ({
    provider,
    payment,
    ...(call.amount === undefined ? {} : { amount: { value: call.amount, currency: setup.currency } }),
    ...(call.reference === undefined ? {} : { reference: call.reference }),
  });
  const create = (call: PlannedCall, idempotencyKey: string | undefined) =>
    trace.run(call.logical, () =>
      facades[call.instance]!.create(inputOf(call), idempotencyKey === undefined ? {} : { idempotencyKey }),
    );

  const settledCalls = new Map<PlannedCall, Promise<Outcome>>();
  const outcomes = await Promise.all(
    calls.map((call) => {
      const outcome = runCall(call);
      settledCalls.set(call, outcome);
      return outcome;
    }),
  );
  async function runCall(call: PlannedCall): Promise<Outcome> {
    if (call.after) await settledCalls.get(call.after);
    await new Promise((resolve) => setTimeout(resolve, call.startMs));
    const outcome: Outcome = { call, followUps: 0 };
    let key = call.idempotencyKey;
    for (;;) {
      try {
        outcome.refund = await create(call, key);
        outcome.error = undefined;
      } catch (error) {
        if (!(error instanceof RefundError)) {
          fail(`${call.logical}: threw ${String(error)}, not a RefundError`);
          return outcome;
        }
        outcome.error = error;
      }
      // Following the advice: the same input with the key it names, a bounded number of times.
      if (outcome.error?.code !== 'outcome_unknown' || outcome.followUps >= 2) return outcome;
      const named = outcome.error.inDoubt?.idempotencyKey;
      if (!named) {
        fail(`${call.logical}: outcome_unknown without inDoubt.idempotencyKey`);
        return outcome;
      }
      outcome.followUps += 1;
      key = named;
      if (outcome.followUps === 2) sandbox.faults.clear();
    }
  }
  await sandbox.settled();

  // The checks. Refunds are attributed to logical creates by the trace of the request that made them.
  const ledger = sandbox.refunds();
  const byLogical = new Map<string, typeof ledger>();
  for (const entry of ledger) {
    if (!entry.trace) fail(`refund ${entry.id} was made by a request without a trace`);
    const list = byLogical.get(entry.trace ?? '') ?? [];
    list.push(entry);
    byLogical.set(entry.trace ?? '', list);
  }
  for (const [logical, entries] of byLogical) {
    if (entries.length > 1)
      fail(`${logical} made ${entries.length} refunds: ${entries.map((e) => e.id).join(', ')}`);
  }
  const total = ledger.reduce((sum, entry) => sum + entry.amount, 0);
  if (total > paymentAmount) fail(`refunds total ${total}, more than the payment's ${paymentAmount}`);
  const holders = new Map<string, string>();
  for (const { call, refund, error } of outcomes) {
    const made = byLogical.get(call.logical) ?? [];
    const first = outcomes.find((other) => other.call === call.after);
    const nameTaken = first && (first.refund || first.error?.code === 'outcome_unknown');
    if (call.misuse && nameTaken && error?.code !== 'conflict') {
      fail(
        `${call.logical} reused a key or reference with other input and got ${error?.code ?? `refund ${refund?.id}`}`,
      );
    }
    if (error?.code === 'conflict' && made.length > 0)
      fail(`${call.logical} was refused as a conflict but made ${made[0]!.id}`);
    if (refund) {
      const entry = ledger.find((candidate) => candidate.id === refund.id);
      if (!entry) fail(`${call.logical} was told refund ${refund.id}, which the ledger does not hold`);
      else if (entry.trace !== call.logical) {
        fail(`${call.logical} was handed refund ${refund.id}, made by ${entry.trace}`);
      }
      if (call.amount !== undefined && refund.amount.value !== call.amount) {
        fail(`${call.logical} asked for ${call.amount} and was handed a refund of ${refund.amount.value}`);
      }
      const holder = holders.get(refund.id);
      if (holder !== undefined && holder !== call.logical)
        fail(`${call.logical} and ${holder} both hold ${refund.id}`);
      holders.set(refund.id, call.logical);
    } else if (error && error.code !== 'outcome_unknown' && made.length > 0) {
      // A plain error says "not made": a joined or earlier call of the same logical create may not have made one.
      const madeByOther = outcomes.some((other) => other.call.logical === call.logical && other.refund);
      if (!madeByOther)
        fail(`${call.logical} was told ${error.code} (${error.message}) but refund ${made[0]!.id} was made`);
    }
  }
  return { outcomes, failures };
}

/**
 * Runs `creates` logical creates (at least) for `provider`, in rounds of a few concurrent calls each, with
 * `parallel` rounds at a time, stopping early at `maxMs` — but not before `minCreates`, while under twice
 * `maxMs` (a loaded machine proves as much, only later). Everything follows from `seed`.
 */
export async function runNeverTwiceModel(options: {
  provider: ModelProvider;
  seed: number;
  creates: number;
  minCreates?: number;
  parallel?: number;
  maxMs?: number;
}): Promise<ModelReport> {
  const { provider, seed, creates, minCreates = 0, parallel = 24, maxMs = 120_000 } = options;
  const started = performance.now();
  const report: ModelReport = { creates: 0, rounds: 0, made: 0, unknown: 0, refused: 0, failures: [] };
  const more = () => {
    const elapsed = performance.now() - started;
    return (
      report.creates < creates &&
      report.failures.length === 0 &&
      (elapsed < maxMs || (report.creates < minCreates && elapsed < 2 * maxMs))
    );
  };
  let next = 0;
  async function worker() {
    while (more()) {
      const round = next++;
      const { outcomes, failures } = await runRound(provider, seed, round);
      report.rounds += 1;
      report.creates += outcomes.length;
      for (const outcome of outcomes) {
        if (outcome.refund) report.made += 1;
        else if (outcome.error?.code === 'outcome_unknown') report.unknown += 1;
        else report.refused += 1;
      }
      report.failures.push(...failures);
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  return report;
}
