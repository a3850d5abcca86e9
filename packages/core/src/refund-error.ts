import type { Money } from './money.js';

/** Why a refund operation failed, provider-neutral. */
export type RefundErrorCode =
  /** The input was rejected before anything was sent (or the provider rejected it as invalid). */
  | 'invalid_request'
  /** Credentials are missing, wrong or expired. */
  | 'authentication'
  /** The payment or refund does not exist (for these credentials). */
  | 'not_found'
  /** More than is still refundable on the payment. */
  | 'insufficient_funds'
  /** The request conflicts with the resource's state or an earlier request (e.g. an idempotency key reuse). */
  | 'conflict'
  /** The provider throttled the request. */
  | 'rate_limited'
  /** The provider failed or answered in a way refundkit does not understand. */
  | 'provider_error'
  /** No usable connection to the provider: nothing reached it, so nothing happened. */
  | 'network'
  /** An attempt or the overall deadline ran out before an answer arrived. */
  | 'timeout'
  /** A refund may or may not have been made and refundkit could not find out which. */
  | 'outcome_unknown'
  /** The refund journal failed (a store down) before anything was sent: nothing was made. */
  | 'journal';

/**
 * What an `outcome_unknown` knows of the refund that may have been made: enough to find it, and the key
 * under which asking again is safe.
 */
export interface RefundInDoubt {
  /** The provider-native id of what was being refunded. */
  payment: string;
  /** The merchant reference the refund carries if it was made (Commerce Layer: once tagged). */
  reference: string;
  /** The amount asked for; `undefined` for the full remainder. */
  amount: Money | undefined;
  /**
   * The logical refund's key. `create` again with it and the same input settles the refund: refundkit looks
   * for it first and never makes a second one.
   */
  idempotencyKey: string;
  /** Refunds that may be this one, when the provider cannot tell them apart (their ids). */
  candidates: readonly string[];
}

export interface RefundErrorOptions {
  code: RefundErrorCode;
  message: string;
  provider?: string | undefined;
  /** HTTP status of the provider's answer, when there was one. */
  status?: number | undefined;
  /** The provider's own error code (e.g. `amount.insufficient`). */
  providerCode?: string | undefined;
  /** The provider's request id, when it sends one. */
  requestId?: string | undefined;
  /** Whether repeating the same call could succeed and cannot refund twice. */
  retryable?: boolean | undefined;
  /** Path of the offending input field, e.g. `amount.value`, for `invalid_request`. */
  field?: string | undefined;
  /** How long the provider asked to wait before retrying (from `Retry-After`). */
  retryAfterMs?: number | undefined;
  /** The provider's error body (never request headers, so never credentials). */
  raw?: unknown;
  /** For `outcome_unknown`: the refund that may have been made. */
  inDoubt?: RefundInDoubt | undefined;
  cause?: unknown;
}

// Registered, so that RefundErrors from another copy of this module (the facade bundles its own) are
// recognised by `instanceof` and `isRefundError` too.
const brand = Symbol.for('refundkit.RefundError');

/** What a RefundError carries beside its name and message, in the order it is listed and serialized. */
const fields = [
  'code',
  'provider',
  'status',
  'providerCode',
  'requestId',
  'retryable',
  'field',
  'retryAfterMs',
  'raw',
  'inDoubt',
] as const;

/** Every failure of a refundkit refund operation. Carries no credentials. */
export class RefundError extends Error {
  // `this` is the class `instanceof` asks about: the brand answers for RefundError, the prototype chain
  // for subclasses.
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: the receiver is the class on the right of instanceof
    if (this !== RefundError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && brand in value;
  }

  // esbuild bundles this class as `class _RefundError` (it refers to itself), and util.inspect and
  // `console.log(error)` print the class's name.
  static {
    Object.defineProperty(RefundError, 'name', { value: 'RefundError' });
  }

  override readonly name = 'RefundError';
  // Declared, not defined: the constructor sets them (a defined field would be emitted and set twice).
  declare readonly code: RefundErrorCode;
  declare readonly provider: string | undefined;
  declare readonly status: number | undefined;
  declare readonly providerCode: string | undefined;
  declare readonly requestId: string | undefined;
  declare readonly retryable: boolean;
  declare readonly field: string | undefined;
  declare readonly retryAfterMs: number | undefined;
  declare readonly raw: unknown;
  declare readonly inDoubt: RefundInDoubt | undefined;

  constructor(options: RefundErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, brand, { value: true });
    for (const key of fields) (this as Record<string, unknown>)[key] = options[key];
    this.retryable = options.retryable ?? false;
  }

  /** The name, message and the listed fields: nothing else set on the error (and never the cause). */
  toJSON(): Pick<RefundError, 'name' | 'message' | (typeof fields)[number]> {
    const json: Record<string, unknown> = { name: this.name, message: this.message };
    for (const key of fields) json[key] = this[key];
    return json as ReturnType<RefundError['toJSON']>;
  }
}

/** Type guard that also works across copies of @refundkit/core (like `instanceof RefundError`). */
export function isRefundError(value: unknown): value is RefundError {
  return value instanceof RefundError;
}

/** An `invalid_request` for input refused before anything is sent: `field` is its path and leads the message. */
export function invalidRequest(field: string, problem: string, provider?: string): RefundError {
  return new RefundError({ code: 'invalid_request', field, provider, message: `${field}: ${problem}` });
}
