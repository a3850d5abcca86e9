// A seeded model of the facade's create protocol against the four sandboxes: random fault sequences,
// concurrent creates on one payment, shared keys and references, three `createRefunds` instances sharing
// one refund journal (as three processes sharing a store would), one of which may crash mid-create, and
// callers that follow `outcome_unknown`'s advice. After every round, `recover()` in a fresh instance
// settles what the journal holds; then the round checks what "never twice, never lost" promises,
// attributing each ledger refund to the logical create whose request made it (the sandbox records the
// trace header each request carries).
import { AsyncLocalStorage } from 'node:async_hooks';
import { type FaultSpec, seededRandom, traceHeader } from '@refundkit/core/testing';
import {
  createRefunds,
  memoryJournal,
  type RecoverReport,
  type Refund,
  RefundError,
  type RefundJournal,
} from 'refundkit';
import { type ProviderSetup, providerSetups } from './provider-setups.js';

/** `commercelayer-sole-writer`: one instance whose adapter is told it is the only writer (`soleWriter`). */
export type ModelProvider = 'smartpay' | 'payop' | 'geins' | 'commercelayer' | 'commercelayer-sole-writer';

interface Setup extends ProviderSetup {
  /** How many `createRefunds` instances (processes) share the sandbox and the journal. */
  instances: 1 | 3;
  soleWriter: boolean;
}

const setups: Record<ModelProvider, Setup> = {
  smartpay: { ...providerSetups.smartpay, instances: 3, soleWriter: false },
  payop: { ...providerSetups.payop, instances: 3, soleWriter: false },
  geins: { ...providerSetups.geins, instances: 3, soleWriter: false },
  commercelayer: { ...providerSetups.commercelayer, instances: 3, soleWriter: false },
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

/**
 * Facade settings of the model: short enough for thousands of creates, with attempts that time out. The
 * lease outlasts a call's deadline a little, so a crashed instance's lease frees soon.
 */
const timing = {
  timeoutMs: 40,
  retryDelayMs: 2,
  maxRetryDelayMs: 10,
  deadlineMs: 3_000,
  maxRetries: 2,
  leaseMs: 3_500,
};
/** Share of rounds in which instance 2 crashes: at its first refund-making request, before or after it. */
const crashChance = 0.04;

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
  instance: 0 | 1 | 2;
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
  /** Abandoned: its instance crashed during it. */
  crashed?: boolean;
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
  /** Calls abandoned in a crash. */
  crashed: number;
  /** What the end-of-round `recover()` made, found certainly not made, and left in doubt. */
  recovered: { made: number; notMade: number; inDoubt: number };
  failures: ModelFailure[];
}

function planCalls(rng: Random, setup: Setup, round: number): PlannedCall[] {
  const calls: PlannedCall[] = [];
  const count = 2 + rng.int(4);
  for (let index = 0; index < count; index += 1) {
    const instance = setup.instances === 3 ? rng.pick([0, 0, 1, 2] as const) : 0;
    const previous = calls.length > 0 ? rng.pick(calls) : undefined;
    const kind = rng.int(6);
    // Keys and references are shared across instances through the journal, on every provider.
    if (previous && kind === 0 && previous.idempotencyKey && !previous.misuse) {
      // The same logical refund again, concurrently: one call.
      calls.push({ ...previous, instance, startMs: rng.int(10) });
      continue;
    }
    const logical = `r${round}-${index}`;
    if (previous && kind === 1 && !previous.misuse) {
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
): Promise<{ outcomes: Outcome[]; failures: ModelFailure[]; recovery: RecoverReport }> {
  const setup = setups[provider];
  const rng = random(seed ^ Math.imul(round + 1, 0x9e3779b1));
  const sandbox = setup.sandbox(rng.int(2 ** 31));
  const paymentAmount = 2_500;
  const payment = sandbox.createPayment({ amount: paymentAmount, currency: setup.currency });
  const trace = new AsyncLocalStorage<string>();
  const journal = memoryJournal();
  /** Logical creates by the idempotency key their requests carried (Smartpay sends it). */
  const keyed = new Map<string, string>();
  // Instance 2 may crash at its first refund-making request, before it is sent or after it reached the
  // provider: from then on its requests and journal writes never end, and its calls are abandoned.
  const crash =
    setup.instances === 3 && rng.chance(crashChance) ? { afterSending: rng.chance(0.5) } : undefined;
  let crashed = false;
  let crashNow = () => {};
  const crashedSignal = new Promise<'crashed'>((resolve) => {
    crashNow = () => {
      crashed = true;
      resolve('crashed');
    };
  });
  const never = new Promise<never>(() => {});
  const dead = (index: number) => index === 2 && crash !== undefined && crashed;
  /** The journal as instance `index` sees it: nothing of it answers once that instance crashed. */
  const journalOf = (index: number): RefundJournal =>
    Object.fromEntries(
      Object.entries(journal).map(([name, method]) => [
        name,
        (...args: never[]) => (dead(index) ? never : (method as (...a: never[]) => unknown)(...args)),
      ]),
    ) as unknown as RefundJournal;
  /** Refund-making requests of the recovering instance: only Smartpay's may be sent (under its key). */
  let recoveryCreates = 0;
  const facade = (index: number) => {
    const fetch = async (request: Request) => {
      if (dead(index)) return never;
      const key = request.headers.get('idempotency-key');
      const logical = trace.getStore() ?? (key === null ? undefined : keyed.get(key));
      if (logical) request.headers.set(traceHeader, logical);
      if (logical && key !== null) keyed.set(key, logical);
      if (index === 3 && setup.makes(request)) recoveryCreates += 1;
      if (index === 2 && crash && setup.makes(request)) {
        if (crash.afterSending) await sandbox.fetch(request);
        crashNow();
        return never;
      }
      return sandbox.fetch(request);
    };
    return createRefunds({
      providers: { [provider]: setup.adapter(sandbox, fetch, { soleWriter: setup.soleWriter }) },
      journal: journalOf(index),
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
  };
  const facades = [0, 1, 2].map(facade);
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
        const created = create(call, key);
        // A crashed instance's call is abandoned, never heard of again.
        const ended = call.instance === 2 ? await Promise.race([created, crashedSignal]) : await created;
        if (ended === 'crashed') {
          outcome.crashed = true;
          return outcome;
        }
        outcome.refund = ended;
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

  // Start-up after the round: a fresh instance recovers what the journal holds, once a crashed instance's
  // lease has expired.
  if (crashed) await new Promise((resolve) => setTimeout(resolve, timing.leaseMs + 50));
  sandbox.faults.clear();
  const recovery = await facade(3).recover({ deadlineMs: 30_000 });
  await sandbox.settled();
  if (recovery.busy.length + recovery.unreached.length > 0)
    fail(`recover() left ${recovery.busy.length} busy and ${recovery.unreached.length} unreached`);
  if (!setup.idempotencyKeys && recoveryCreates > 0)
    fail(`recover() sent ${recoveryCreates} creates to a provider without idempotency keys`);
  const left = (await journal.unsettled()).map((entry) => `${entry.key} ${entry.state}`).sort();
  const inDoubt = recovery.inDoubt.map((entry) => `${entry.idempotencyKey} in_doubt`).sort();
  if (JSON.stringify(left) !== JSON.stringify(inDoubt))
    fail(`after recover() the journal holds ${left.join(', ')}; it reported in doubt ${inDoubt.join(', ')}`);
  /** The logical create of a key: a caller's key names it; a generated one is known by its requests. */
  const logicalOf = (key: string) =>
    calls.find((call) => call.idempotencyKey === key)?.logical ??
    keyed.get(key) ??
    outcomes.find((outcome) => outcome.error?.inDoubt?.idempotencyKey === key)?.call.logical;

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
  for (const { idempotencyKey, refund } of recovery.made) {
    const entry = ledger.find((candidate) => candidate.id === refund.id);
    const logical = logicalOf(idempotencyKey);
    if (!entry) fail(`recover() reported refund ${refund.id}, which the ledger does not hold`);
    else if (logical !== undefined && entry.trace !== logical)
      fail(`recover() gave ${logical} refund ${refund.id}, made by ${entry.trace}`);
  }
  for (const { idempotencyKey } of recovery.notMade) {
    const logical = logicalOf(idempotencyKey);
    const made = logical === undefined ? [] : (byLogical.get(logical) ?? []);
    if (made.length > 0) fail(`recover() found ${logical} not made, but it made ${made[0]!.id}`);
  }
  const holders = new Map<string, string>();
  for (const { call, refund, error, crashed: abandoned } of outcomes) {
    if (abandoned) continue;
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
  return { outcomes, failures, recovery };
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
  const report: ModelReport = {
    creates: 0,
    rounds: 0,
    made: 0,
    unknown: 0,
    refused: 0,
    crashed: 0,
    recovered: { made: 0, notMade: 0, inDoubt: 0 },
    failures: [],
  };
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
      const { outcomes, failures, recovery } = await runRound(provider, seed, round);
      report.rounds += 1;
      report.creates += outcomes.length;
      report.recovered.made += recovery.made.length;
      report.recovered.notMade += recovery.notMade.length;
      report.recovered.inDoubt += recovery.inDoubt.length;
      for (const outcome of outcomes) {
        if (outcome.crashed) report.crashed += 1;
        else if (outcome.refund) report.made += 1;
        else if (outcome.error?.code === 'outcome_unknown') report.unknown += 1;
        else report.refused += 1;
      }
      report.failures.push(...failures);
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  return report;
}
