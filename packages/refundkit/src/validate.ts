import {
  type AdapterCreateInput,
  invalidRequest,
  type Money,
  type RefundAdapter,
  typeName,
} from '@refundkit/core';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What an object literal or `JSON.parse` makes: not a Map, a Date, an array or a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Without a lone surrogate, which cannot be sent as UTF-8 (it would become U+FFFD, or a URIError). */
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();
const malformed = 'must be well-formed Unicode (it holds a lone surrogate)';

/**
 * An optional field given as `null` is absent, as JSON callers and providers' own SDKs (Smartpay's PHP,
 * Python and Ruby ones) write "not set".
 */
const absentIfNull = (value: unknown): unknown => (value === null ? undefined : value);

/** The configured adapter named by `input.provider`, or an invalid_request error. */
export function resolveProvider(providers: Record<string, RefundAdapter>, input: unknown): RefundAdapter {
  if (!isRecord(input)) throw invalidRequest('input', 'must be an object');
  const name = input.provider;
  if (typeof name !== 'string' || name === '') throw invalidRequest('provider', 'is required');
  const adapter = Object.hasOwn(providers, name) ? providers[name] : undefined;
  if (!adapter) {
    throw invalidRequest(
      'provider',
      `"${name}" is not configured (configured: ${Object.keys(providers).join(', ') || 'none'})`,
    );
  }
  return adapter;
}

/** A non-empty, well-formed string, else an invalid_request for `field`. */
export function checkId(adapter: RefundAdapter, field: string, id: unknown): string {
  if (id !== undefined && id !== null && typeof id !== 'string') {
    throw invalidRequest(field, `must be a string, got ${typeName(id)}`, adapter.provider);
  }
  if (typeof id !== 'string' || id.trim() === '')
    throw invalidRequest(field, 'is required', adapter.provider);
  if (!isWellFormed(id)) throw invalidRequest(field, malformed, adapter.provider);
  return id;
}

/** A payment id in the form the provider's ids take, else an invalid_request for `payment`. */
export function checkPayment(adapter: RefundAdapter, payment: unknown): string {
  if (typeof payment === 'number' && adapter.paymentIdType === 'integer') {
    if (!Number.isSafeInteger(payment))
      throw invalidRequest('payment', 'must be an integer', adapter.provider);
    payment = String(payment);
  }
  const id = checkId(adapter, 'payment', payment);
  const problem = adapter.checkPayment(id);
  if (problem) throw invalidRequest('payment', problem, adapter.provider);
  return id;
}

/** A refund id in the form the provider's refund ids take, else an invalid_request for `id`. */
export function checkRefundId(adapter: RefundAdapter, id: unknown): string {
  const checked = checkId(adapter, 'id', id);
  const problem = adapter.checkRefundId(checked);
  if (problem) throw invalidRequest('id', problem, adapter.provider);
  return checked;
}

/**
 * A create's input checked against what the provider takes, before anything is sent: the first problem
 * is an invalid_request naming its field. The reference is left undefined when the caller gave none;
 * an optional field given as `null` counts as not given.
 */
export function checkCreateInput(
  adapter: RefundAdapter,
  input: { [Field in 'payment' | 'amount' | 'reason' | 'reference' | 'metadata']?: unknown },
): Omit<AdapterCreateInput, 'reference' | 'idempotencyKey'> & { reference: string | undefined } {
  const { provider, capabilities } = adapter;
  const invalid = (field: string, problem: string) => invalidRequest(field, problem, provider);
  const [amount, reason, reference, metadata] = [
    input.amount,
    input.reason,
    input.reference,
    input.metadata,
  ].map(absentIfNull);
  const payment = checkPayment(adapter, input.payment);

  let money: Money | undefined;
  if (amount === undefined) {
    if (!capabilities.fullRefundWithoutAmount) throw invalid('amount', `is required by ${provider}`);
  } else {
    if (!isRecord(amount)) throw invalid('amount', 'must be { value, currency }');
    const { value, currency } = amount;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw invalid('amount.value', 'must be a positive safe integer of minor units (1505 for 15.05)');
    }
    // A string, not whatever `String()` makes of it: `['JPY']` is not JPY, and an object may throw.
    if (typeof currency !== 'string') throw invalid('amount.currency', 'must be a currency code (a string)');
    const problem = adapter.checkCurrency(currency);
    if (problem) throw invalid('amount.currency', problem);
    money = { value, currency };
  }

  if (reason !== undefined && (typeof reason !== 'string' || !capabilities.reasons.includes(reason))) {
    throw invalid('reason', `must be one of ${capabilities.reasons.join(', ')}`);
  }

  const maxLength = capabilities.referenceMaxLength;
  if (reference !== undefined) {
    if (typeof reference !== 'string' || reference.length === 0 || reference.length > maxLength) {
      throw invalid('reference', `must be a string of 1 to ${maxLength} characters`);
    }
    if (!isWellFormed(reference)) throw invalid('reference', malformed);
    // PostgreSQL text holds no NUL: the SQL journals could not record it (a retryable journal error forever).
    if (reference.includes('\u0000')) throw invalid('reference', 'must not hold a NUL character');
  }

  let checkedMetadata: Record<string, string> | undefined;
  if (metadata !== undefined) {
    const limits = capabilities.metadata;
    if (!limits) throw invalid('metadata', `${provider} keeps no metadata`);
    if (!isPlainObject(metadata)) throw invalid('metadata', 'must be a plain object of strings');
    const entries = Object.entries(metadata);
    if (entries.length > limits.maxKeys) throw invalid('metadata', `has more than ${limits.maxKeys} keys`);
    for (const [key, value] of entries) {
      if (key.length === 0 || key.length > limits.maxKeyLength) {
        throw invalid(`metadata.${key}`, `keys must have 1 to ${limits.maxKeyLength} characters`);
      }
      if (typeof value !== 'string' || value.length > limits.maxValueLength) {
        throw invalid(`metadata.${key}`, `must be a string of at most ${limits.maxValueLength} characters`);
      }
      if (!isWellFormed(key) || !isWellFormed(value)) throw invalid(`metadata.${key}`, malformed);
    }
    checkedMetadata = Object.fromEntries(entries) as Record<string, string>;
  }

  // Copies of what was checked: every retry must send the same body, whatever the caller does with its
  // objects meanwhile.
  return {
    payment,
    amount: money,
    reason: reason as string | undefined,
    reference: reference as string | undefined,
    metadata: checkedMetadata,
  };
}

/**
 * Sent as a header, so visible ASCII only (which is well-formed): anything else would fail (or be trimmed)
 * on the way out.
 */
export function checkIdempotencyKey(given: unknown): string | undefined {
  const key = absentIfNull(given);
  if (key !== undefined && (typeof key !== 'string' || !/^[!-~]{1,255}$/.test(key))) {
    throw invalidRequest('idempotencyKey', 'must be 1 to 255 visible ASCII characters');
  }
  return key;
}

/** A call's options, omitted or an object: an optional `AbortSignal` and idempotency key. */
export function checkCallOptions(options: unknown): { signal?: AbortSignal; idempotencyKey?: string } {
  if (options === undefined) return {};
  if (!isRecord(options)) throw invalidRequest('options', 'must be an object');
  const signal = absentIfNull(options.signal);
  const { idempotencyKey } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidRequest('options.signal', 'must be an AbortSignal');
  }
  return { signal, idempotencyKey: checkIdempotencyKey(idempotencyKey) };
}
