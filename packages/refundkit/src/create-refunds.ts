import {
  type AdapterCall,
  type AdapterCreateInput,
  abortRejection,
  Deadline,
  invalidRequest,
  isRefundError,
  type JournalEntry,
  type JournalIntent,
  type JournalTransition,
  type Money,
  markUnsent,
  mayHaveActed,
  memoryJournal,
  type ProviderCapabilities,
  type Refund,
  type RefundAdapter,
  RefundError,
  type RefundHooks,
  type RefundJournal,
  runAttempt,
  typeName,
  uuidPattern,
  withoutSecrets,
} from '@refundkit/core';
import { fingerprintOf, reused } from './logical-refunds.js';
import {
  checkCallOptions,
  checkCreateInput,
  checkPayment,
  checkRefundId,
  isPlainObject,
  resolveProvider,
} from './validate.js';

export interface RefundsOptions<Providers extends Record<string, RefundAdapter>> {
  /**
   * The providers to refund through, by the name callers use: `{ smartpay: smartpay({ secretKey }) }`. A
   * provider's name (`commercelayer`, `payop`, `smartpay`, `geins`) must hold that provider's adapter; any
   * other name is free, e.g. one per account: `{ 'smartpay-jp': smartpay(…), 'smartpay-eu': smartpay(…) }`.
   */
  providers: Providers;
  /** Per-attempt timeout in milliseconds. Default 30 000. */
  timeoutMs?: number;
  /** Overall deadline of one operation, retries and waits included, in milliseconds. Default 120 000. */
  deadlineMs?: number;
  /** Retries after the first attempt (only where they cannot refund twice). Default 2. */
  maxRetries?: number;
  /** First backoff delay in milliseconds, doubled per retry, with jitter. Default 500. */
  retryDelayMs?: number;
  /** Longest backoff or `Retry-After` wait in milliseconds. Default 8 000. */
  maxRetryDelayMs?: number;
  /** Observability hooks; headers are redacted and bodies never included. */
  hooks?: RefundHooks;
  /**
   * Where each create's intent is recorded before it is sent, and every step after it; its per-payment
   * leases serialize the creates of one payment. Instances (and processes) sharing one journal never make
   * a logical refund twice. Default: `memoryJournal()`, this instance's memory alone (lost with the process).
   */
  journal?: RefundJournal;
  /**
   * How long a create holds its payment's lease, in milliseconds, extended before each send: a crashed
   * holder blocks that payment's creates this long. Default `deadlineMs` + 10 000.
   */
  leaseMs?: number;
}

export interface CreateRefundInput<Provider extends string = string> {
  provider: Provider;
  /**
   * The provider-native id of what is refunded (capture, transaction, payment or order): a string, or a
   * safe integer where the provider's id is one (a Geins order id).
   */
  payment: string | number;
  /**
   * Integer minor units and ISO 4217 currency; omit to refund the full remainder. Here and below, `null`
   * is the same as leaving the field out (what JSON callers and some providers' own SDKs send).
   */
  amount?: { value: number; currency: string } | null;
  reason?: string | null;
  /**
   * Your reference, stored with the refund; generated when omitted. It names one refund of this payment, like
   * an idempotency key: reused with other input it is a `conflict`. Reconciliation looks for it.
   */
  reference?: string | null;
  metadata?: Record<string, string> | null;
}

export interface CallOptions {
  /** `null` here, as for `idempotencyKey`, is the same as leaving it out. */
  signal?: AbortSignal | null;
  /**
   * Names one logical refund, on every provider: calls with the same key and input while it is in flight are
   * one call, and after it was made return it, never a second refund; the same key with other input is a
   * `conflict`. Sent as `Idempotency-Key` where the provider takes one. Generated when omitted; kept in the
   * `journal` (by default this instance's memory).
   */
  idempotencyKey?: string | null;
}

export interface Refunds<Provider extends string> {
  create(input: CreateRefundInput<Provider>, options?: CallOptions): Promise<Refund>;
  retrieve(
    input: { provider: Provider; id: string; payment?: string | number | null },
    options?: CallOptions,
  ): Promise<Refund>;
  list(input: { provider: Provider; payment: string | number }, options?: CallOptions): Promise<Refund[]>;
  capabilities(provider: Provider): ProviderCapabilities;
  /**
   * Settles every unsettled intent of the journal (of one provider name, or all configured): a `recorded`
   * one was never sent (certainly not made); a `sent` or `in_doubt` one is looked for as a create repeated
   * with its key would, never sent again to a provider without idempotency keys. Run it at start-up.
   */
  recover(options?: RecoverOptions<Provider>): Promise<RecoverReport>;
}

export interface RecoverOptions<Provider extends string = string> {
  /** Only this provider name's intents. Default: every configured name's. */
  provider?: Provider | null;
  /** Intents settled at most per name. Default 1000. */
  limit?: number | null;
  /** Deadline of the whole recovery in milliseconds. Default the `deadlineMs` of `createRefunds`. */
  deadlineMs?: number | null;
  signal?: AbortSignal | null;
}

/** One intent `recover()` came to. */
export interface RecoveredIntent {
  /** The provider name it was created through (the key in `providers`). */
  provider: string;
  idempotencyKey: string;
  payment: string;
  reference: string;
  /** `undefined`: the full remainder. */
  amount: Money | undefined;
}

/** What `recover()` found. Every intent it came to is in exactly one list. */
export interface RecoverReport {
  /** Made: the refund. */
  made: (RecoveredIntent & { refund: Refund })[];
  /** Certainly not made (never sent, or refused): its key and reference are free again. */
  notMade: RecoveredIntent[];
  /** Still unknown, and why (`outcome_unknown`): the next `recover()` or a create with its key tries again. */
  inDoubt: (RecoveredIntent & { error: RefundError })[];
  /** Left alone: another live call holds its payment's lease (it is being settled now). */
  busy: RecoveredIntent[];
  /** Not reached before the deadline: untouched. */
  unreached: RecoveredIntent[];
}

/**
 * The merchant reference a create without one gets: `rk_` and 32 hex digits, enough to find one refund
 * among a payment's refunds: those of its idempotency key when that is a UUID (a generated key is one, a
 * random UUID), else the first 32 of the key's SHA-256. A function of the key alone, so a create repeated
 * with the key that an `outcome_unknown` names looks for the same reference.
 */
async function referenceFor(idempotencyKey: string): Promise<string> {
  // No digest for a UUID: `crypto.subtle` takes tens of µs a call, more than the rest of the facade.
  if (uuidPattern.test(idempotencyKey)) return `rk_${idempotencyKey.replaceAll('-', '').toLowerCase()}`;
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(idempotencyKey)),
  );
  return `rk_${Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** What a `RefundAdapter` must have for the facade to call it. */
const adapterMethods = 'checkPayment checkRefundId checkCurrency create retrieve list secrets'.split(' ');
/** What a `RefundJournal` must have. */
const journalMethods = 'record get lease release transition unsettled close'.split(' ');
/** The lease's default margin over `deadlineMs`: journal writes and clock skew between processes. */
const leaseMarginMs = 10_000;

/**
 * The numeric options: their least value and default. At most 2^31 - 1, the longest delay `setTimeout`
 * takes (beyond it Node fires after 1 ms).
 */
const numericOptions = {
  timeoutMs: [1, 30_000],
  deadlineMs: [1, 120_000],
  maxRetries: [0, 2],
  retryDelayMs: [0, 500],
  maxRetryDelayMs: [0, 8_000],
  // Default `deadlineMs` + `leaseMarginMs`.
  leaseMs: [1, undefined],
} as const;
type NumericOption = keyof typeof numericOptions;

/** An `invalid_request` for `field` unless `object` has only the keys `known` (and is a plain object). */
function checkKeys(
  field: string,
  object: unknown,
  known: string[],
): asserts object is Record<string, unknown> {
  if (!isPlainObject(object)) throw invalidRequest(field, `must be an object, got ${typeName(object)}`);
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      throw invalidRequest(
        field === 'options' ? key : `${field}.${key}`,
        `is not one of ${known.join(', ')}`,
      );
    }
  }
}

/** `value`, or `fallback` when it is undefined, else an `invalid_request` naming `field`. */
function wholeNumber<Fallback extends number | undefined>(
  field: string,
  value: unknown,
  min: number,
  fallback: Fallback,
): number | Fallback {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > 2_147_483_647) {
    const got = typeof value === 'number' ? value : typeName(value);
    throw invalidRequest(field, `must be a whole number from ${min} to 2147483647, got ${got}`);
  }
  return value as number;
}

/**
 * The options of `createRefunds`, checked before it returns: the first problem is an `invalid_request`
 * whose `field` names the option. Values are described by their type only: they may hold credentials.
 */
function checkOptions(options: unknown) {
  checkKeys('options', options, ['providers', 'hooks', ...Object.keys(numericOptions), 'journal']);
  const { providers, hooks, journal } = options;
  if (!isPlainObject(providers) || Object.keys(providers).length === 0) {
    throw invalidRequest(
      'providers',
      `must name at least one, e.g. { smartpay: smartpay({ secretKey }) }, got ${isPlainObject(providers) ? 'none' : typeName(providers)}`,
    );
  }
  // Provider names, refundkit's and those of the adapters given, are for that provider's adapter alone.
  const reserved = ['commercelayer', 'payop', 'smartpay', 'geins'].concat(
    Object.values(providers).map((adapter) => (adapter as RefundAdapter)?.provider),
  );
  const names = new Map<unknown, string>();
  for (const [name, adapter] of Object.entries(providers)) {
    const field = `providers.${name}`;
    const missing = adapterMethods.find((method) => typeof (adapter as never)?.[method] !== 'function');
    const { provider } = (adapter ?? {}) as RefundAdapter;
    if (missing || typeof provider !== 'string') {
      const got =
        typeof adapter === 'object' && adapter
          ? `an object without ${missing ?? 'provider'}`
          : typeName(adapter);
      throw invalidRequest(field, `must be an adapter such as smartpay({ secretKey }), got ${got}`);
    }
    // `payop: smartpay(…)` would refund through Smartpay a caller who asked for PayOp.
    if (reserved.includes(name) && provider !== name) {
      throw invalidRequest(
        field,
        `holds a ${provider} adapter: name other accounts freely, e.g. ${provider}-eu`,
      );
    }
    // Each name has its own idempotency keys and references: one account under two could refund twice.
    // An account is its provider and credentials (an adapter without secrets is only itself).
    const secrets = (adapter as RefundAdapter).secrets();
    const account = secrets.length > 0 ? `${provider}\n${secrets.join('\n')}` : adapter;
    const taken = names.get(account);
    if (taken !== undefined) {
      throw invalidRequest(
        field,
        `is the same ${provider} account as providers.${taken}: use one name for it`,
      );
    }
    names.set(account, name);
  }
  if (hooks !== undefined) {
    checkKeys('hooks', hooks, ['onRequest', 'onResponse', 'onRetry', 'onError']);
    for (const [name, hook] of Object.entries(hooks)) {
      if (hook !== undefined && typeof hook !== 'function') {
        throw invalidRequest(`hooks.${name}`, `must be a function, got ${typeName(hook)}`);
      }
    }
  }
  if (journal !== undefined) {
    const missing = journalMethods.find((method) => typeof (journal as never)?.[method] !== 'function');
    if (missing) {
      const got = typeof journal === 'object' && journal ? `an object without ${missing}` : typeName(journal);
      throw invalidRequest('journal', `must be a RefundJournal such as memoryJournal(), got ${got}`);
    }
  }
  const numbers = {} as Record<NumericOption, number>;
  for (const [name, [min, fallback]] of Object.entries(numericOptions)) {
    const value = wholeNumber(name, options[name], min, fallback);
    if (value !== undefined) numbers[name as NumericOption] = value;
  }
  // Copies: a name added to the caller's object later is not configured.
  return {
    providers: { ...providers } as Record<string, RefundAdapter>,
    hooks: hooks as RefundHooks | undefined,
    journal: (journal as RefundJournal | undefined) ?? memoryJournal(),
    ...numbers,
    leaseMs: numbers.leaseMs ?? numbers.deadlineMs + leaseMarginMs,
  };
}

export function createRefunds<Providers extends Record<string, RefundAdapter>>(
  options: RefundsOptions<Providers>,
): Refunds<Extract<keyof Providers, string>> {
  const {
    providers,
    hooks,
    journal,
    timeoutMs,
    deadlineMs,
    maxRetries,
    retryDelayMs,
    maxRetryDelayMs,
    leaseMs,
  } = checkOptions(options);

  function backoff(attempt: number, failure: RefundError): number {
    // Exponential, with jitter over its upper half.
    const exponential = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** attempt);
    const jittered = (exponential * (1 + Math.random())) / 2;
    return Math.min(maxRetryDelayMs, Math.max(jittered, failure.retryAfterMs ?? 0));
  }

  /**
   * One call through `adapter`: one deadline for everything it does, attempts with their own timeouts, the
   * waits between them, and the errors it ends with.
   */
  function begin(
    adapter: RefundAdapter,
    operation: string,
    signal: AbortSignal | undefined,
    deadline?: Deadline,
  ) {
    signal?.throwIfAborted();
    const { provider } = adapter;
    const within = deadline ?? new Deadline(deadlineMs);
    return {
      deadline: within,
      /** Runs attempt `number` (see `runAttempt`). */
      attempt: <T>(number: number, work: (call: AdapterCall) => Promise<T>): Promise<T> =>
        runAttempt(
          {
            provider,
            operation,
            attempt: number,
            fetch: adapter.fetch,
            timeoutMs,
            deadline: within,
            signal,
            hooks,
            secrets: adapter.secrets,
          },
          work,
        ),
      /** Reports the retry after attempt `number`, then waits `delayMs`. */
      retry(number: number, delayMs: number, error: RefundError) {
        hooks?.onRetry?.({
          provider,
          operation,
          attempt: number,
          delayMs,
          error: withoutSecrets(error, adapter.secrets()),
        });
        return this.wait(delayMs);
      },
      /** A wait between attempts: rejects at the deadline or when the caller aborts. */
      wait: (delayMs: number) => within.wait(delayMs, signal),
      /**
       * The error the call ends with: a RefundError without credentials (see `withoutSecrets`); a wait stopped
       * by the deadline is a timeout; the caller's abort as is.
       */
      end(error: unknown): unknown {
        if (isRefundError(error)) return withoutSecrets(error, adapter.secrets());
        if (!within.aborted) return error;
        return new RefundError({
          code: 'timeout',
          provider,
          retryable: false,
          message: `${provider}: the deadline passed`,
          cause: error,
        });
      },
    };
  }

  /** Runs a read with retries on every retryable failure: reads cannot refund anything. */
  async function read<T>(
    adapter: RefundAdapter,
    operation: string,
    signal: AbortSignal | undefined,
    run: (call: AdapterCall) => Promise<T>,
    deadline?: Deadline,
  ): Promise<T> {
    const call = begin(adapter, operation, signal, deadline);
    try {
      for (let number = 0; ; number += 1) {
        try {
          return await call.attempt(number, run);
        } catch (error) {
          if (!isRefundError(error) || !error.retryable || number >= maxRetries || call.deadline.aborted) {
            throw error;
          }
          await call.retry(number, backoff(number, error), error);
        }
      }
    } catch (error) {
      throw call.end(error);
    }
  }

  /**
   * The creates of this instance in flight, by the logical refund they make (`[name, key]`): a call naming
   * one joins it here, without polling the journal.
   */
  const inFlight = new Map<
    string,
    { input: AdapterCreateInput; fingerprint: string; result: Promise<Refund> }
  >();
  const nameOf = (account: string, key: string) => JSON.stringify([account, key]);
  /**
   * This instance's creates of one payment (`[name, payment]`), in the order they wait for its lease: each
   * waits here for the one before, not polling the journal for it.
   */
  const turns = new Map<string, Promise<void>>();

  /** Waits for `previous` to end: false if the deadline passes first; rejects when the caller aborts. */
  async function turnOf(previous: Promise<void>, deadline: Deadline, signal: AbortSignal | undefined) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), deadline.remaining());
    });
    const aborted = signal && abortRejection(signal);
    try {
      return await Promise.race([previous.then(() => true), late, ...(aborted ? [aborted.promise] : [])]);
    } finally {
      clearTimeout(timer);
      aborted?.release();
    }
  }

  /** A journal failure: before anything was sent, so nothing was made. Its cause is the store's error. */
  const journalFailure = (provider: string, cause: unknown, what = 'the refund journal failed') =>
    markUnsent(
      new RefundError({
        code: 'journal',
        provider,
        retryable: true,
        message: `${provider}: ${what}, so nothing was sent (no refund was made)`,
        cause,
      }),
    );

  /**
   * The journal as one call uses it: a method that has not answered by `deadline` fails (the store may still
   * apply it later, as after any lost answer), so a store that stops answering holds no call past it.
   */
  function bounded(deadline: Deadline): RefundJournal {
    const within = <T>(work: Promise<T>): Promise<T> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error('the refund journal did not answer before the deadline')),
          Math.max(0, deadline.remaining()),
        );
      });
      return Promise.race([work, late]).finally(() => clearTimeout(timer));
    };
    return {
      record: (intent) => within(journal.record(intent)),
      get: (account, key) => within(journal.get(account, key)),
      lease: (account, payment, holder, ttlMs) => within(journal.lease(account, payment, holder, ttlMs)),
      release: (account, payment, holder) => within(journal.release(account, payment, holder)),
      transition: (account, key, holder, change) => within(journal.transition(account, key, holder, change)),
      unsettled: (options) => within(journal.unsettled(options)),
      close: () => journal.close(),
    };
  }

  /** Runs a journal method; its failure is a `journal` error (nothing was sent). */
  async function journaled<T>(provider: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw journalFailure(provider, error);
    }
  }

  async function create(rawInput: CreateRefundInput, rawOptions: unknown): Promise<Refund> {
    const adapter = resolveProvider(providers, rawInput);
    const account = rawInput.provider;
    const { signal, idempotencyKey: callerKey } = checkCallOptions(rawOptions);
    const checked = checkCreateInput(adapter, rawInput);
    const idempotencyKey = callerKey ?? crypto.randomUUID();
    const input: AdapterCreateInput = {
      ...checked,
      reference: checked.reference ?? (await referenceFor(idempotencyKey)),
      idempotencyKey,
    };
    const fingerprint = fingerprintOf(input);
    const name = nameOf(account, idempotencyKey);
    const running = inFlight.get(name);
    if (running) {
      if (running.fingerprint !== fingerprint)
        throw reused(adapter.provider, 'idempotencyKey', idempotencyKey);
      return joined(adapter, running.input, running.result, signal);
    }
    const intent: JournalIntent = {
      account,
      key: idempotencyKey,
      provider: adapter.provider,
      payment: input.payment,
      reference: input.reference,
      fingerprint,
      input,
    };
    // Named by the caller, it can be sent by another call (maybe another process's) with that name.
    const named = callerKey !== undefined || checked.reference !== undefined;
    const call = { input, fingerprint, result: throughJournal(adapter, intent, named, signal) };
    inFlight.set(name, call);
    try {
      return await call.result;
    } finally {
      if (inFlight.get(name) === call) inFlight.delete(name);
    }
  }

  /**
   * The journal's entry for `intent`: recorded now, or the one standing for its key or reference (the same
   * parameters, or a `conflict` naming the field).
   */
  async function standing(
    adapter: RefundAdapter,
    intent: JournalIntent,
    store: RefundJournal,
  ): Promise<JournalEntry> {
    const recorded = await journaled(adapter.provider, () => store.record(intent));
    if (!recorded.recorded && recorded.entry.fingerprint !== intent.fingerprint) {
      const byKey = recorded.by === 'key';
      throw reused(
        adapter.provider,
        byKey ? 'idempotencyKey' : 'reference',
        byKey ? intent.key : intent.reference,
      );
    }
    return recorded.entry;
  }

  /**
   * One create through the journal: its intent recorded (or the standing one found), its payment's lease
   * taken, the entry read again under it, then sent or settled by `settleEntry`.
   */
  async function throughJournal(
    adapter: RefundAdapter,
    intent: JournalIntent,
    named: boolean,
    signal: AbortSignal | undefined,
  ): Promise<Refund> {
    signal?.throwIfAborted();
    const deadline = new Deadline(deadlineMs);
    const store = bounded(deadline);
    let entry = await standing(adapter, intent, store);
    if (entry.state === 'made') return entry.refund!;
    // Named by its reference, it is another call's of this instance: join it.
    const running = entry.key !== intent.key && inFlight.get(nameOf(entry.account, entry.key));
    if (running) return joined(adapter, running.input, running.result, signal);
    const holder = crypto.randomUUID();
    const turn = nameOf(entry.account, entry.payment);
    const previous = turns.get(turn);
    let done = () => {};
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const queue = previous ? previous.then(() => mine) : mine;
    turns.set(turn, queue);
    try {
      // Past the deadline, `takeLease` tries once and ends the call.
      if (previous) await turnOf(previous, deadline, signal);
      const leased = await takeLease(
        adapter,
        entry,
        holder,
        deadline,
        signal,
        named || entry.key !== intent.key,
      );
      if ('refund' in leased) return leased.refund;
      // Another call, maybe another process, may have settled it before the lease was free.
      let current = await journaled(adapter.provider, () => store.get(entry.account, entry.key));
      // It ended certainly not made: this call's intent is recorded anew, sent under this lease.
      if (!current || current.state === 'not_made') current = await standing(adapter, intent, store);
      entry = current;
      if (entry.state === 'made') return entry.refund!;
      return await settleEntry(adapter, entry, holder, leased.leasedAt, deadline, signal);
    } finally {
      // It expires anyway: a failed release only delays the payment's next create.
      await store.release(entry.account, entry.payment, holder).catch(() => {});
      done();
      if (turns.get(turn) === queue) turns.delete(turn);
    }
  }

  /**
   * Takes the lease of `entry`'s payment for `holder`, waiting (polling, with backoff) while another call
   * holds it, until the deadline. Then this call sent nothing, and ends: with the refund if another call
   * made it meanwhile; certainly not made if no other call can send it (`shared` false: a key and reference
   * refundkit generated, which only this caller and `recover()` can name); else in `outcome_unknown` while
   * it is unsettled, as another call with its name may send or have sent it. Taken, it returns when it was
   * asked for (`performance.now()`), from which `settleEntry` tells whether it lapsed since.
   */
  async function takeLease(
    adapter: RefundAdapter,
    entry: JournalEntry,
    holder: string,
    deadline: Deadline,
    signal: AbortSignal | undefined,
    shared: boolean,
  ): Promise<{ leasedAt: number } | { refund: Refund }> {
    const { provider } = adapter;
    const store = bounded(deadline);
    for (let poll = 0; ; poll += 1) {
      const leasedAt = performance.now();
      if (await journaled(provider, () => store.lease(entry.account, entry.payment, holder, leaseMs)))
        return { leasedAt };
      try {
        await deadline.wait(Math.min(250, 5 * 2 ** poll), signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        break;
      }
    }
    const current = await journaled(provider, () => store.get(entry.account, entry.key));
    if (current?.state === 'made') return { refund: current.refund! };
    if (current && current.state !== 'not_made' && (shared || current.state !== 'recorded')) {
      throw unknownOutcome(
        adapter,
        current.input,
        new RefundError({ code: 'timeout', provider, message: `payment ${entry.payment} stayed busy` }),
        `as another create of the payment held its lease until the deadline (this refund was ${current.state === 'recorded' ? 'not sent yet' : 'sent by another call'})`,
      );
    }
    throw new RefundError({
      code: 'timeout',
      provider,
      retryable: true,
      message:
        `${provider}: another create on payment ${entry.payment} held its lease until the deadline, so ` +
        'nothing was sent (no refund was made by this call)',
    });
  }

  /**
   * Sends or settles the create of `entry` under `holder`'s lease, and records how it ended. `recorded`:
   * never sent, so sent now; `sent` or `in_doubt`: resumed in doubt, with the adapter's memo restored.
   * `leasedAt`: when the lease that found `entry` so was asked for (`performance.now()`).
   */
  async function settleEntry(
    adapter: RefundAdapter,
    entry: JournalEntry,
    holder: string,
    leasedAt: number,
    deadline: Deadline,
    signal: AbortSignal | undefined,
  ): Promise<Refund> {
    const { account, key, payment, input } = entry;
    // `sent` is written before the request that makes the refund, and an adapter may know it never went.
    const resume = entry.state !== 'recorded' && adapter.restore?.(input, entry.memo) !== false;
    const store = bounded(deadline);
    const write = (change: JournalTransition) => store.transition(account, key, holder, change);
    /**
     * Whether the lease may have lapsed since it found `entry` so: then another call may have settled or
     * sent it, and this one's ending is written as after a lost lease (see `end`).
     */
    let lapsed = false;
    /** When the lease this call holds was last asked for. */
    let heldSince = leasedAt;
    /**
     * How it ended. Once the lease broke (lapsed, or lost), it is taken again if free, and then written only
     * what cannot undo another call's ending: a refund this call made, or doubt over an entry still `sent`.
     * Never `not_made`: over another call's refund, it would free the key for a second one.
     */
    const end = async (change: JournalTransition) => {
      try {
        if (!lapsed && (await write(change))) return;
        if (change.state === 'not_made' || !(await store.lease(account, payment, holder, leaseMs))) return;
        if (change.state === 'in_doubt' && (await store.get(account, key))?.state !== 'sent') return;
        await write(change);
      } catch {
        // A journal down: the entry stays `sent`, which a later create with its key or `recover()` settles.
      }
    };
    let sent = false;
    /**
     * Before each send, and with an adapter's memo: the lease extended before it lapsed and the entry `sent`,
     * or no send. A lease taken again after it lapsed is not this call's any more: another call may have
     * taken it meanwhile, and made, or sent, this refund.
     */
    async function sending(memo?: unknown) {
      let held = false;
      let cause: unknown;
      try {
        const asked = performance.now();
        const leased = await store.lease(account, payment, holder, leaseMs);
        lapsed ||= leased && performance.now() - heldSince >= leaseMs;
        // This call sends nothing, but another may have made the refund: in doubt, as for a lease held by
        // another call until the deadline.
        if (lapsed) {
          throw unknownOutcome(
            adapter,
            input,
            new RefundError({
              code: 'timeout',
              provider: adapter.provider,
              message: `payment ${payment}'s lease lapsed before the send`,
            }),
            'so this call sent nothing, but another call may have taken the lease over and made it',
          );
        }
        heldSince = asked;
        held = leased && (await write(memo === undefined ? { state: 'sent' } : { state: 'sent', memo }));
      } catch (error) {
        if (lapsed) throw error;
        cause = error;
      }
      if (!held) {
        throw cause === undefined
          ? journalFailure(adapter.provider, cause, `another call took payment ${payment}'s lease`)
          : journalFailure(adapter.provider, cause);
      }
      sent = true;
    }
    try {
      // The payment's other creates still unaccounted for, whichever process sent them: an adapter that
      // tells refunds apart by what changed (Commerce Layer) must not take one of theirs for this one's.
      if (adapter.restore) {
        const others = await journaled(adapter.provider, () => store.unsettled({ account, payment }));
        for (const other of others) if (other.key !== key) adapter.restore(other.input, other.memo);
      }
      const refund = await runProtocol(adapter, input, signal, resume, deadline, sending);
      // Made, whatever the journal says: an entry left `sent` is found again by a later look.
      await end({ state: 'made', refund });
      return refund;
    } catch (error) {
      // The protocol's plain RefundError says "not made"; so does any ending of a call that sent nothing.
      const notMade = (isRefundError(error) && error.code !== 'outcome_unknown') || (!resume && !sent);
      await end({ state: notMade ? 'not_made' : 'in_doubt' });
      throw error;
    }
  }

  /** The failure of a call its caller stopped while a refund may have been in the making. */
  const stopped = (provider: string, cause: unknown) =>
    new RefundError({ code: 'network', provider, message: 'the call was stopped', cause });

  /** A call that names a logical refund in flight waits for that call's outcome (or for its own signal). */
  async function joined(
    adapter: RefundAdapter,
    input: AdapterCreateInput,
    result: Promise<Refund>,
    signal: AbortSignal | undefined,
  ) {
    if (!signal) return result;
    signal.throwIfAborted();
    const aborted = abortRejection(signal);
    try {
      return await Promise.race([result, aborted.promise]);
    } catch (error) {
      if (!signal.aborted) throw error;
      throw unknownOutcome(
        adapter,
        input,
        stopped(adapter.provider, error),
        'while another call with the same idempotency key or reference was making it',
      );
    } finally {
      aborted.release();
    }
  }

  /** The `outcome_unknown` a create ends with: what is known, and what is safe to do next. */
  function unknownOutcome(
    adapter: RefundAdapter,
    input: AdapterCreateInput,
    failure: RefundError,
    detail: string,
    candidates: readonly string[] = failure.inDoubt?.candidates ?? [],
  ): RefundError {
    const { payment, reference, amount, idempotencyKey } = input;
    const asked = amount ? `${amount.value} ${amount.currency} (minor units)` : 'the full remainder';
    return new RefundError({
      ...failure,
      code: 'outcome_unknown',
      retryable: false,
      cause: failure,
      inDoubt: { payment, reference, amount, idempotencyKey, candidates },
      message:
        `A refund of ${asked} on payment ${payment} with reference ${reference} may have been made: ` +
        `${failure.message}, ${detail}. Do not create it again with a new key: call create again with ` +
        `idempotencyKey "${idempotencyKey}" and the same input, which looks for it first` +
        (adapter.capabilities.idempotencyKeys
          ? ` and sends it again only under that key, which ${adapter.provider} deduplicates.`
          : ` and never sends it again (${adapter.provider} has no idempotency key).`),
    });
  }

  /**
   * The create protocol of one call, as a state machine over its attempts. The state is whether a refund
   * may have been made (`doubt`, the failure that raised it) or certainly not yet:
   * - certainly not made: a refused attempt is retried when retryable and within the budget, else the call
   *   ends with that error, the one ending that says "not made";
   * - in doubt: only a provider that deduplicates by key is sent the create again (same key). Otherwise, or
   *   once the budget is spent, the call looks for the refund (`settle`): found, it is the answer; not
   *   found, or not findable, the call ends in `outcome_unknown`. Never in a plain error.
   * `resume` starts in doubt: an earlier call of this logical refund (maybe another process's) sent it.
   * `sending` writes each send to the journal before it goes out (and is the adapter's `remember`); when it
   * fails, nothing more is sent: the call ends in `outcome_unknown` if an earlier send may have made the
   * refund, else in its `journal` error.
   */
  async function runProtocol(
    adapter: RefundAdapter,
    input: AdapterCreateInput,
    signal: AbortSignal | undefined,
    resume: boolean,
    deadline: Deadline,
    sending: (memo?: unknown) => Promise<void>,
  ): Promise<Refund> {
    const { provider, capabilities } = adapter;
    const call = begin(adapter, 'create', signal, deadline);
    let doubt: RefundError | undefined = resume
      ? new RefundError({ code: 'outcome_unknown', provider, message: 'an earlier call did not find out' })
      : undefined;
    const unknown = (failure: RefundError, detail: string, candidates?: readonly string[]) =>
      unknownOutcome(adapter, input, failure, detail, candidates);

    /** Looks for the refund this logical create may have made: by reference, payment and amount. */
    async function find(failure: RefundError): Promise<Refund[]> {
      try {
        const listed = await read(
          adapter,
          'reconcile',
          signal,
          (attempt) => adapter.list({ payment: input.payment }, attempt),
          call.deadline,
        );
        return listed.filter(
          (refund) =>
            refund.reference === input.reference &&
            refund.payment === input.payment &&
            // The value alone: PayOp and Geins refund in the payment's currency, whatever was asked.
            (input.amount === undefined || refund.amount.value === input.amount.value),
        );
      } catch (error) {
        throw unknown(failure, `and listing the payment's refunds failed too (${(error as Error).message})`);
      }
    }

    /** In doubt with no resend left: looks until the refund shows or the budget ends, waiting between looks. */
    async function settle(failure: RefundError, from: number): Promise<Refund> {
      for (let look = from; ; look += 1) {
        try {
          // A refund still being committed (a gateway's 5xx, a slow provider) may show on a later look.
          await call.wait(backoff(look, failure));
        } catch (error) {
          if (signal?.aborted && !call.deadline.aborted)
            throw unknown(stopped(provider, error), 'so refundkit stopped looking');
          throw unknown(failure, 'and the deadline passed before it was listed');
        }
        const found = await find(failure);
        if (found.length === 1) return found[0]!;
        if (found.length > 1) {
          throw unknown(
            failure,
            `and ${found.length} refunds carry its reference`,
            found.map((refund) => refund.id),
          );
        }
        if (look >= maxRetries || call.deadline.aborted) {
          const candidates = adapter.candidatesFor?.(input) ?? [];
          throw unknown(
            failure,
            candidates.length > 0
              ? `and refundkit cannot tell whether it is ${candidates.join(' or ')}`
              : 'and none with its reference and amount is listed yet',
            candidates,
          );
        }
      }
    }

    async function attempts(): Promise<Refund> {
      if (doubt && !capabilities.idempotencyKeys) return settle(doubt, 0);
      for (let number = 0; ; number += 1) {
        let failure: RefundError;
        try {
          await sending();
        } catch (error) {
          if (!doubt) throw error;
          throw unknown(
            doubt,
            `and the refund journal could not record a resend (${(error as Error).message})`,
          );
        }
        try {
          return await call.attempt(number, (attempt) =>
            adapter.create(input, { ...attempt, remember: sending }),
          );
        } catch (error) {
          if (signal?.aborted && !isRefundError(error)) {
            // The caller stopped it while the request may have been out.
            throw unknown(stopped(provider, error), 'so refundkit could not find out');
          }
          failure = isRefundError(error)
            ? error
            : new RefundError({
                code: 'provider_error',
                provider,
                retryable: true,
                message: `${provider}'s answer could not be read (${(error as Error)?.message})`,
                cause: error,
              });
        }
        // The adapter knows it cannot tell (Commerce Layer's ambiguous identification).
        if (failure.code === 'outcome_unknown') {
          throw unknown(failure, 'and refundkit cannot tell which refund is this one');
        }
        if (mayHaveActed(failure)) doubt = failure;
        const budgetLeft =
          failure.retryable &&
          number < maxRetries &&
          !call.deadline.aborted &&
          (failure.retryAfterMs ?? 0) <= maxRetryDelayMs;
        // Sending again cannot refund twice: nothing was made yet, or the provider deduplicates by key.
        if (budgetLeft && (!doubt || capabilities.idempotencyKeys)) {
          try {
            await call.retry(number, backoff(number, failure), failure);
          } catch (error) {
            if (!doubt) throw error;
            throw unknown(doubt, signal?.aborted ? 'and the call was stopped' : 'and the deadline passed');
          }
          continue;
        }
        if (!doubt) throw failure;
        return settle(doubt, number);
      }
    }
    try {
      return await attempts();
    } catch (error) {
      // Without credentials; a wait cut by the deadline is a timeout.
      throw call.end(error);
    }
  }

  /** Settles the journal's unsettled intents one at a time: see `Refunds.recover`. */
  async function recover(rawOptions: unknown): Promise<RecoverReport> {
    const options = rawOptions ?? {};
    checkKeys('options', options, ['provider', 'limit', 'deadlineMs', 'signal']);
    const { signal } = checkCallOptions({ signal: options.signal });
    // A name given must be configured.
    if (options.provider != null) resolveProvider(providers, options);
    const names = options.provider == null ? Object.keys(providers) : [options.provider as string];
    const limit = wholeNumber('limit', options.limit ?? undefined, 1, 1000);
    const deadline = new Deadline(wholeNumber('deadlineMs', options.deadlineMs ?? undefined, 1, deadlineMs));
    const store = bounded(deadline);
    const report: RecoverReport = { made: [], notMade: [], inDoubt: [], busy: [], unreached: [] };
    for (const account of names) {
      const adapter = providers[account]!;
      const entries = await journaled(adapter.provider, () => store.unsettled({ account, limit }));
      for (const { key, payment, reference, input } of entries) {
        const intent = { provider: account, idempotencyKey: key, payment, reference, amount: input.amount };
        if (deadline.aborted || signal?.aborted) {
          report.unreached.push(intent);
          continue;
        }
        const holder = crypto.randomUUID();
        const leasedAt = performance.now();
        if (!(await journaled(adapter.provider, () => store.lease(account, payment, holder, leaseMs)))) {
          report.busy.push(intent);
          continue;
        }
        try {
          const entry = await journaled(adapter.provider, () => store.get(account, key));
          if (entry?.state === 'made') report.made.push({ ...intent, refund: entry.refund! });
          else if (!entry || entry.state === 'not_made') report.notMade.push(intent);
          else if (entry.state === 'recorded' || adapter.restore?.(entry.input, entry.memo) === false) {
            // Its lease expired, or was never taken, before anything was sent: it never will be now.
            const settled = await journaled(adapter.provider, () =>
              store.transition(account, key, holder, { state: 'not_made' }),
            );
            (settled ? report.notMade : report.busy).push(intent);
          } else {
            try {
              const refund = await settleEntry(adapter, entry, holder, leasedAt, deadline, signal);
              report.made.push({ ...intent, refund });
            } catch (error) {
              if (!isRefundError(error)) throw error;
              if (error.code === 'outcome_unknown') report.inDoubt.push({ ...intent, error });
              else report.notMade.push(intent);
            }
          }
        } finally {
          await store.release(account, payment, holder).catch(() => {});
        }
      }
    }
    return report;
  }

  /** Runs a public operation, reporting the RefundError it fails with to `onError`. */
  async function reported<T>(operation: string, input: { provider?: unknown }, run: () => Promise<T>) {
    try {
      return await run();
    } catch (error) {
      if (isRefundError(error)) {
        hooks?.onError?.({
          provider: error.provider ?? (typeof input?.provider === 'string' ? input.provider : ''),
          operation,
          attempt: 0,
          error,
        });
      }
      throw error;
    }
  }

  return {
    create: (input, callOptions) => reported('create', input, () => create(input, callOptions)),
    retrieve: (input, callOptions) =>
      reported('retrieve', input, () => {
        const adapter = resolveProvider(providers, input);
        const { signal } = checkCallOptions(callOptions);
        const id = checkRefundId(adapter, input.id);
        return read(adapter, 'retrieve', signal, (call) =>
          adapter.retrieve(
            { id, payment: input.payment == null ? undefined : checkPayment(adapter, input.payment) },
            call,
          ),
        );
      }),
    list: (input, callOptions) =>
      reported('list', input, () => {
        const adapter = resolveProvider(providers, input);
        const { signal } = checkCallOptions(callOptions);
        const payment = checkPayment(adapter, input.payment);
        return read(adapter, 'list', signal, (call) => adapter.list({ payment }, call));
      }),
    capabilities(provider) {
      return resolveProvider(providers, { provider }).capabilities;
    },
    recover: (recoverOptions) => reported('recover', recoverOptions ?? {}, () => recover(recoverOptions)),
  };
}
