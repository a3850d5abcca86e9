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
  type RefundErrorCode,
  type RefundStatus,
} from '@refundkit/core';
import type { paths } from './generated/payop.gen.js';
import { type PayopClientOptions, payopClientConfig } from './payop-client.js';
import type { PayopError, PayopRefund } from './payop-schemas.js';

export type PayopAdapterOptions = PayopClientOptions;

export const payopCapabilities: ProviderCapabilities = {
  // refundType 2 with `amount`, repeatable until the transaction is used up.
  partialRefunds: true,
  // refundType 1 refunds everything that is left, without an amount.
  fullRefundWithoutAmount: true,
  // PayOp documents no idempotency for refunds (only for mass withdrawals).
  idempotencyKeys: false,
  // PayOp has no reason field: the reason travels in metadata as `refundkit_reason`.
  reasons: commonRefundReasons,
  // refundkit's own limits: PayOp only caps the metadata's JSON at 800 KB. 50 caller keys plus the two
  // refundkit keys, of at most 100 + 1000 characters each (even as 6-byte \u escapes), stay far below it.
  metadata: { maxKeys: 50, maxKeyLength: 100, maxValueLength: 1000 },
  // refundkit's choice: PayOp has no reference field, it travels in metadata as `refundkit_reference`.
  referenceMaxLength: 100,
  // Refunds are in the transaction's currency, whichever it is.
  currencies: 'any',
  approvalFlow: false,
};

/** Metadata keys the adapter writes itself, so `list` can find a refund by its reference. */
const referenceKey = 'refundkit_reference';
const reasonKey = 'refundkit_reason';

/** 1 new, 2 accepted, 3 and 4 rejected (PayOp does not tell 3 and 4 apart). */
const statuses: Record<number, RefundStatus> = { 1: 'pending', 2: 'succeeded', 3: 'failed', 4: 'failed' };

/**
 * PayOp types its ids as plain strings and documents no format. Its examples (every version of its docs)
 * are UUIDs, UUID-like ids with shorter or longer groups (`8888888-7725-56d5-b75d-1d54382d1e46`,
 * `7ede204f-0d2a-55c4-9b84-8877720c9f6`) and `1111`: letters and digits in hyphen-separated groups take
 * them all, and nothing that would change the URL or the query an id is sent in.
 */
const idPattern = /^[0-9A-Za-z]+(?:-[0-9A-Za-z]+)*$/;
const idShape = 'letters and digits in hyphen-separated groups, like d839c714-7743-47cf-8f9d-73592597c6e1';

/** PayOp's 422 messages that say more than "invalid". */
const messageCodes = new Map<string, RefundErrorCode>([
  ['Refund amount is bigger than transaction amount', 'insufficient_funds'],
  ['Transaction not found', 'not_found'],
]);

function unreadable(message: string, cause: unknown, retryable = false): RefundError {
  return new RefundError({ code: 'provider_error', provider: 'payop', retryable, message, cause });
}

function toRefund(refund: PayopRefund): Refund {
  const exponent = currencyExponent(refund.currency);
  let value: number;
  try {
    if (exponent === undefined) throw new RangeError(`"${refund.currency}" is not an ISO 4217 currency`);
    value = parseMajorUnits(refund.amount, exponent);
  } catch (error) {
    throw unreadable(
      `payop answered refund ${refund.identifier} with an unreadable amount: ${(error as Error).message}`,
      error,
    );
  }
  const reference = refund.metadata?.[referenceKey];
  return {
    provider: 'payop',
    id: refund.identifier,
    payment: refund.sourceTransaction.identifier,
    // A status PayOp does not document yet is not final as far as refundkit can tell.
    status: statuses[refund.status] ?? 'pending',
    amount: { value, currency: refund.currency },
    reference: typeof reference === 'string' ? reference : undefined,
    // Optional: PayOp's current examples show refunds without it (specs/payop.yaml, Refund).
    createdAt: refund.createdAt === undefined ? undefined : new Date(refund.createdAt * 1000).toISOString(),
    raw: refund,
  };
}

/** PayOp's `{message}`: a string, a field → messages map, or a list of `{message}`. */
function readMessage(body: unknown): { providerCode?: string; message?: string } {
  const message = (body as Partial<PayopError> | undefined)?.message;
  if (typeof message === 'string') return { providerCode: message, message };
  if (Array.isArray(message)) {
    const first = message.find((item) => typeof item?.message === 'string')?.message;
    return { providerCode: first, message: message.map((item) => item?.message).join(' ') };
  }
  if (message && typeof message === 'object') {
    const fields = Object.entries(message);
    return {
      providerCode: fields[0]?.[0],
      message: fields
        .map(([field, texts]) => `${field}: ${Array.isArray(texts) ? texts.join(' ') : texts}`)
        .join('; '),
    };
  }
  return {};
}

function toError(response: Response, body: unknown) {
  const { providerCode, message } = readMessage(body);
  const code: RefundErrorCode | undefined =
    response.status === 422
      ? ((providerCode === undefined ? undefined : messageCodes.get(providerCode)) ?? 'invalid_request')
      : undefined;
  return providerError('payop', response, body, { code, providerCode, message });
}

/**
 * PayOp for the refundkit facade: full (`refundType` 1) or partial (2) refunds of a checkout transaction,
 * amounts as exact decimals of the transaction's currency, the reference and reason kept in `metadata`.
 * PayOp has no idempotency key, so the facade reconciles an uncertain create by listing the
 * transaction's refunds and looking for the reference.
 */
export function payop(options: PayopAdapterOptions): RefundAdapter {
  const client = createAdapterClient<paths>(payopClientConfig(options, 'payop'));

  /** The refunds `GET /v1/refunds/user-refunds` returns, all of them or the one with this identifier. */
  async function fetchRefunds(call: AdapterCall, identifier?: string): Promise<PayopRefund[]> {
    const { data, error, response } = await client
      .GET(
        '/v1/refunds/user-refunds',
        {
          params: { query: identifier === undefined ? {} : { 'query[identifier]': identifier } },
        },
        call,
      )
      .catch((caught: unknown) => {
        // Failed requests are RefundErrors already and the caller's abort is theirs; what is left is a body
        // that could not be read or parsed, which reading again may fix.
        if (isRefundError(caught) || (caught as Error | undefined)?.name === 'AbortError') throw caught;
        throw unreadable(
          `payop's list of refunds could not be read (${(caught as Error).message})`,
          caught,
          true,
        );
      });
    if (!response.ok) throw toError(response, error);
    if (!Array.isArray(data?.data)) {
      throw unreadable(`payop answered ${response.status} without a list of refunds`, undefined);
    }
    return data.data;
  }

  /** One refund by id, or undefined. Filters again in case PayOp ever ignores `query[identifier]`. */
  async function findRefund(id: string, call: AdapterCall): Promise<PayopRefund | undefined> {
    return (await fetchRefunds(call, id)).find((refund) => refund.identifier === id);
  }

  return {
    provider: 'payop',
    capabilities: payopCapabilities,
    secrets: () => [options.token],
    fetch: options.fetch,
    checkCurrency: checkIso4217Currency,
    checkPayment: (payment) =>
      idPattern.test(payment) ? undefined : `must be a PayOp transaction identifier (${idShape})`,
    checkRefundId: (id) =>
      idPattern.test(id) ? undefined : `must be a PayOp refund identifier (${idShape})`,

    async create(input, call) {
      for (const key of [referenceKey, reasonKey]) {
        if (input.metadata && Object.hasOwn(input.metadata, key)) {
          throw invalidRequest(`metadata.${key}`, 'is reserved by refundkit', 'payop');
        }
      }
      const { error, response } = await client.POST(
        '/v1/refunds/create',
        {
          body: {
            transactionIdentifier: input.payment,
            ...(input.amount
              ? {
                  refundType: 2,
                  // Major units of the transaction's currency; PayOp takes no currency with a refund.
                  amount: decimalAmount(input.amount, 'payop'),
                }
              : { refundType: 1 }),
            metadata: {
              ...input.metadata,
              [referenceKey]: input.reference,
              ...(input.reason === undefined ? {} : { [reasonKey]: input.reason }),
            },
          },
          // The success body is always `{data: '', status: 1}`: never read, so it cannot fail after the refund exists.
          parseAs: 'stream',
        },
        call,
      );
      if (!response.ok) throw toError(response, error);
      await response.body?.cancel().catch(() => {});

      // From here on the refund may exist: every failure is retryable and carries no status, so the facade
      // looks for the reference among the transaction's refunds instead of giving up on a made refund.
      const id = response.headers.get('identifier');
      if (!id) {
        throw unreadable(
          `payop answered ${response.status} to the refund of ${input.payment} without an identifier header`,
          undefined,
          true,
        );
      }
      try {
        const refund = await findRefund(id, call);
        if (refund) return toRefund(refund);
      } catch (caught) {
        // Even the caller's abort: the facade then stops and reports an unknown outcome with the reference.
        throw unreadable(
          `payop made refund ${id} but reading it back failed (${(caught as Error).message})`,
          caught,
          true,
        );
      }
      throw unreadable(`payop made refund ${id} but does not list it yet`, undefined, true);
    },

    async retrieve({ id }, call) {
      const refund = await findRefund(id, call);
      if (!refund) {
        throw new RefundError({
          code: 'not_found',
          provider: 'payop',
          retryable: false,
          message: `payop has no refund ${id}`,
        });
      }
      return toRefund(refund);
    },

    async list({ payment }, call) {
      // PayOp documents neither a transaction filter nor pagination: every refund of the merchant comes back.
      const refunds = await fetchRefunds(call);
      return refunds.filter((refund) => refund.sourceTransaction?.identifier === payment).map(toRefund);
    },
  };
}
