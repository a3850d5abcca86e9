import type { Money } from './money.js';

/** Where a refund stands, provider-neutral. */
export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'requires_approval';

/** A refund as every provider's adapter reports it. */
export interface Refund {
  provider: string;
  /** The provider's refund id. */
  id: string;
  /** The provider-native id of what was refunded (capture, transaction, payment or order). */
  payment: string;
  status: RefundStatus;
  amount: Money;
  /** The merchant reference stored with the refund, when there is one. */
  reference: string | undefined;
  /** ISO 8601; undefined when the provider's refund object has no creation time (PayOp's may not). */
  createdAt: string | undefined;
  /** The provider's own refund object. */
  raw: unknown;
}

/** What a provider supports, so callers and the facade's validation can tell before sending anything. */
export interface ProviderCapabilities {
  /** Refunds of part of a payment, repeatable until it is used up. */
  partialRefunds: boolean;
  /** A refund of everything left, without naming an amount. */
  fullRefundWithoutAmount: boolean;
  /** A provider idempotency key, which makes retried creates safe. */
  idempotencyKeys: boolean;
  /** The accepted `reason` values. */
  reasons: readonly string[];
  /** Limits on `metadata`, or `null` when the provider keeps no metadata. */
  metadata: { maxKeys: number; maxKeyLength: number; maxValueLength: number } | null;
  /** Longest accepted `reference`. */
  referenceMaxLength: number;
  /** ISO 4217 codes the provider refunds in, or `'any'`. */
  currencies: readonly string[] | 'any';
  /** Refunds may wait for an approval before they are sent. */
  approvalFlow: boolean;
}

/** A create request after the facade validated it and fixed its reference and idempotency key. */
export interface AdapterCreateInput {
  payment: string;
  /** Omitted: the full remainder. */
  amount: Money | undefined;
  reason: string | undefined;
  /** The merchant reference, always set: reconciliation looks for it. */
  reference: string;
  metadata: Record<string, string> | undefined;
  /** Stable across retries of one logical refund; sent only by providers that support it. */
  idempotencyKey: string;
}

/**
 * How an adapter performs its HTTP calls for one attempt: every request goes through `fetch` (which times,
 * reports and classifies it) with `signal`. `createAdapterClient` does both.
 */
export interface AdapterCall {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  signal: AbortSignal;
  /**
   * Given to `create` by the facade: writes `memo` (JSON) to the refund journal with the create's intent,
   * for `restore` in another process. An adapter that needs its memo there awaits it before the request
   * that may make the refund, and sends nothing when it rejects (then nothing was made).
   */
  remember?: ((memo: unknown) => Promise<void>) | undefined;
}

/** A provider's implementation of the common refund interface. */
export interface RefundAdapter {
  readonly provider: string;
  readonly capabilities: ProviderCapabilities;
  /** Describes what is wrong with a payment id, or returns undefined when it looks valid. */
  checkPayment(payment: string): string | undefined;
  /**
   * `'integer'` when the provider's own payment id is a number (a Geins order id): the facade then takes it
   * as a safe integer too, and passes it on as its decimal string. Omitted: a string.
   */
  readonly paymentIdType?: 'string' | 'integer';
  /**
   * Describes what is wrong with a refund id given to `retrieve`, or returns undefined when it has the form
   * the provider's refund ids take. The id goes into a URL: where the provider documents no form, it must
   * still refuse what would change the URL (`/`, `?`, `#`, `%`, whitespace, control characters).
   */
  checkRefundId(id: string): string | undefined;
  /**
   * Describes what is wrong with a currency, or returns undefined when the provider refunds in it; it must
   * agree with `capabilities.currencies`. Asked of the adapter, so that a bundle whose providers take a fixed
   * list of currencies leaves out the ISO table.
   */
  checkCurrency(currency: string): string | undefined;
  create(input: AdapterCreateInput, call: AdapterCall): Promise<Refund>;
  retrieve(input: { id: string; payment?: string | undefined }, call: AdapterCall): Promise<Refund>;
  list(input: { payment: string }, call: AdapterCall): Promise<Refund[]>;
  /**
   * Refunds that may be the one `input`'s create made, when the adapter saw some but cannot tell which
   * (Commerce Layer after a lost trigger answer): named in `outcome_unknown`'s `inDoubt.candidates`.
   */
  candidatesFor?(input: AdapterCreateInput): readonly string[];
  /**
   * Takes back what an adapter `remember`ed for a create that another call, maybe another process, may
   * have sent: the facade calls it before it settles that create from the journal. Keeps what the adapter
   * already knows of that create. Returns false when `memo` shows that the request that makes the refund
   * was never sent (an adapter that remembers before that request): the facade then sends the create.
   */
  restore?(input: AdapterCreateInput, memo: unknown): boolean;
  /**
   * The `fetch` the adapter was configured with, if any; each attempt wraps it. Without one, attempts send
   * with `node:http(s)` on Node and the global `fetch` elsewhere.
   */
  readonly fetch: ((request: Request) => Promise<Response>) | undefined;
  /**
   * Credentials to scrub from anything refundkit reports (errors, hook events). A method, not a property, so
   * that `console.log(adapter)` and `JSON.stringify` never show them.
   */
  secrets(): readonly string[];
}

/** The reasons refundkit accepts for providers that have no reason field of their own (kept as metadata). */
export const commonRefundReasons: readonly string[] = [
  'requested_by_customer',
  'fraudulent',
  'duplicate',
  'other',
];

/** A UUID of any version, in either case: the shape of Geins' refund ids. */
export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
