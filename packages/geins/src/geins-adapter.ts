import {
  type AdapterCall,
  checkIso4217Currency,
  commonRefundReasons,
  createAdapterClient,
  currencyExponent,
  decimalAmount,
  invalidRequest,
  isRefundError,
  type ProviderCapabilities,
  parseMajorUnits,
  providerError,
  type Refund,
  type RefundAdapter,
  RefundError,
  type RefundStatus,
  successData,
  uuidPattern,
} from '@refundkit/core';
import { basicCredentials, type GeinsClientOptions, geinsClientConfig } from './geins-client.js';
import type { GeinsEnvelope, GeinsRefund } from './geins-schemas.js';
import type { paths } from './generated/geins.gen.js';

export type GeinsAdapterOptions = GeinsClientOptions & {
  /**
   * Sends `RefundsRequireApproval: true`: refunds then wait (status `requires_approval`) until someone
   * approves or denies them with `SetApproval`, and are sent only once approved. Default false.
   */
  requireApproval?: boolean;
  /** Written into each refund's `Author`. Default `refundkit`. */
  author?: string;
};

export const geinsCapabilities: ProviderCapabilities = {
  partialRefunds: true,
  // `RefundAmount` is required (the seed page calls it "Required"; specs/geins.yaml requires it).
  fullRefundWithoutAmount: false,
  idempotencyKeys: false,
  // Geins has no reason field: the adapter writes the reason into the refund's `Description`.
  reasons: commonRefundReasons,
  // Geins keeps no metadata on refunds.
  metadata: null,
  // refundkit's choice: Geins documents no length limit for `Reference`.
  referenceMaxLength: 100,
  // A refund is in the order's currency, whatever it is.
  currencies: 'any',
  // `RefundsRequireApproval` and `SetApproval`.
  approvalFlow: true,
};

const int32Max = 2_147_483_647;

/**
 * Geins does not document its answer to a refund above what is left on the order. This is refundkit's
 * modelling, taken from its sandbox: a 400 whose `Details` say "RefundAmount X exceeds the Y SEK left to
 * refund on order Z.". Matched conservatively: only that wording maps to `insufficient_funds`; every
 * other 400 stays `invalid_request`.
 */
const overRefundDetail = /\bRefundAmount \S+ exceeds the \S+ [A-Z]{3} left to refund\b/;

const asEnvelope = (body: unknown): Partial<GeinsEnvelope> =>
  typeof body === 'object' && body !== null ? (body as Partial<GeinsEnvelope>) : {};

function toError(response: Response, body: unknown, { create = false } = {}) {
  const { Message, Details } = asEnvelope(body);
  const providerCode = typeof Message === 'string' && Message !== '' ? Message : undefined;
  const details = Array.isArray(Details) ? Details.filter((detail) => typeof detail === 'string') : [];
  const overRefund =
    create && response.status === 400 && details.some((detail) => overRefundDetail.test(detail));
  return providerError('geins', response, body, {
    code: overRefund ? 'insufficient_funds' : undefined,
    providerCode,
    message: [providerCode, ...details].filter(Boolean).join(' ') || undefined,
  });
}

/** Geins answered 2xx with something refundkit cannot read. */
function unreadable(message: string, raw: unknown, cause?: unknown) {
  return new RefundError({ code: 'provider_error', provider: 'geins', message, raw, cause });
}

/**
 * Geins' approval and settlement flags as a refundkit status, most decisive first:
 * - `Approved: false` → `failed` (the refund was denied and is never sent);
 * - `RequiresApproval` and `Approved: null` → `requires_approval` (waiting for `SetApproval`);
 * - `Processed`, or every refund row `Settled` → `succeeded` (the money moved, or was settled by hand);
 * - anything else → `pending` (sent, or approved and sent, and awaiting settlement).
 */
function statusOf(refund: GeinsRefund): RefundStatus {
  const approved = refund.Approved ?? null;
  if (approved === false) return 'failed';
  if (refund.RequiresApproval && approved === null) return 'requires_approval';
  const rows = refund.RefundRows ?? [];
  if (refund.Processed || (rows.length > 0 && rows.every((row) => row.Settled))) return 'succeeded';
  return 'pending';
}

function toRefund(refund: GeinsRefund): Refund {
  const currency = refund.Currency ?? '';
  const exponent = currencyExponent(currency);
  if (exponent === undefined) {
    throw unreadable(`geins returned refund ${refund.RefundId} in an unknown currency "${currency}"`, refund);
  }
  let amount = 0;
  try {
    // Integer minor units per row, summed as integers: never a sum of floats.
    for (const row of refund.RefundRows ?? []) amount += parseMajorUnits(row.RefundAmount, exponent);
  } catch (error) {
    throw unreadable(
      `geins returned refund ${refund.RefundId} with an amount that is not exact in ${currency}`,
      refund,
      error,
    );
  }
  return {
    provider: 'geins',
    id: refund.RefundId,
    payment: String(refund.OrderId),
    status: statusOf(refund),
    amount: { value: amount, currency },
    reference: refund.Reference ?? undefined,
    createdAt: refund.CreatedOn,
    raw: refund,
  };
}

function checkOrderId(payment: string): string | undefined {
  return /^[1-9]\d*$/.test(payment) && Number(payment) <= int32Max
    ? undefined
    : 'must be a Geins order id (a positive whole number)';
}

/**
 * Geins (Management API) for the refundkit facade. `payment` is the order id; each create adds one
 * refund (one refund row of `RefundAmount`) to the order, with the facade's reference in `Reference`,
 * the reason in `Description` and `author` in `Author`. Geins has no idempotency key, so the facade
 * reconciles a create whose answer was lost by listing the order's refunds and matching `Reference`.
 * Geins takes no currency on create: the amount is in the order's currency, and `amount.currency` only
 * sets the number of decimals sent.
 */
export function geins(options: GeinsAdapterOptions): RefundAdapter {
  const client = createAdapterClient<paths>(geinsClientConfig(options, 'geins'));
  const author = options.author ?? 'refundkit';
  if (typeof author !== 'string') throw new TypeError('geins: option "author" must be a string.');
  const requireApproval = options.requireApproval === true;

  async function retrieve(orderId: number, refundId: string, call: AdapterCall): Promise<Refund> {
    const result = await client.GET(
      '/API/Order/{orderId}/Refund/{refundId}',
      {
        params: { path: { orderId, refundId } },
      },
      call,
    );
    const data = successData('geins', result, toError);
    if (typeof data.Resource !== 'object' || data.Resource === null) {
      throw unreadable(`geins returned no refund ${refundId} on order ${orderId}`, data);
    }
    return toRefund(data.Resource);
  }

  return {
    provider: 'geins',
    capabilities: geinsCapabilities,
    secrets: () => [
      options.apiKey,
      options.password,
      options.username,
      // The Basic token the requests carry encodes the password: scrubbed too.
      basicCredentials(options.username, options.password),
    ],
    fetch: options.fetch,
    checkCurrency: checkIso4217Currency,
    checkPayment: checkOrderId,
    // `orderId` is an int32 in the Management API, so callers may hold it as a number.
    paymentIdType: 'integer',
    // Refund ids are UUIDs (fact sheet: `refundId` string/uuid).
    checkRefundId: (id) => (uuidPattern.test(id) ? undefined : 'must be a Geins refund id (a UUID)'),

    async create(input, call) {
      if (!input.amount) throw invalidRequest('amount', 'is required by geins', 'geins');
      // Before anything is sent: the currency must be ISO 4217 and the decimal exact.
      const amount = decimalAmount(input.amount, 'geins');
      const orderId = Number(input.payment);
      const { data, error, response } = await client.POST(
        '/API/Order/{orderId}/Refund',
        {
          params: { path: { orderId } },
          body: {
            RefundAmount: amount,
            Reference: input.reference,
            ...(input.reason ? { Description: input.reason } : {}),
            Author: author,
            ...(requireApproval ? { RefundsRequireApproval: true } : {}),
          },
        },
        call,
      );
      if (!response.ok) throw toError(response, error, { create: true });
      // Geins made the refund. From here on a failure must not read as "nothing happened": it is
      // retryable and carries no status, so the facade lists the order's refunds and finds it by reference.
      try {
        if (!data?.Resource) throw unreadable('geins answered 200 without the new refund id', data);
        return await retrieve(orderId, data.Resource, call);
      } catch (caught) {
        // The caller's own abort passes through: the facade reports it as an unknown outcome.
        if (!isRefundError(caught) && (caught as Error | undefined)?.name === 'AbortError') throw caught;
        throw new RefundError({
          code: 'provider_error',
          retryable: true,
          provider: 'geins',
          message: `geins made the refund but reading it back failed: ${(caught as Error).message}`,
          cause: caught,
        });
      }
    },

    async retrieve({ id, payment }, call) {
      if (payment === undefined || payment === '') {
        throw invalidRequest('payment', 'Geins needs the order id to retrieve a refund', 'geins');
      }
      const problem = checkOrderId(payment);
      if (problem) throw invalidRequest('payment', problem, 'geins');
      return retrieve(Number(payment), id, call);
    },

    async list({ payment }, call) {
      const result = await client.GET(
        '/API/Order/{orderId}/Refund/List',
        {
          params: { path: { orderId: Number(payment) } },
        },
        call,
      );
      const data = successData('geins', result, toError);
      const refunds = data.Resource ?? [];
      if (!Array.isArray(refunds))
        throw unreadable(`geins returned no list of refunds for order ${payment}`, data);
      return refunds.map(toRefund);
    },
  };
}
