import {
  createAdapterClient,
  type ProviderCapabilities,
  providerError,
  type Refund,
  type RefundAdapter,
  successData,
} from '@refundkit/core';
import type { paths } from './generated/smartpay.gen.js';
import { type SmartpayClientOptions, smartpayClientConfig } from './smartpay-client.js';
import type { SmartpayError, SmartpayRefund } from './smartpay-schemas.js';

export type SmartpayAdapterOptions = SmartpayClientOptions;

export const smartpayCapabilities: ProviderCapabilities = {
  partialRefunds: true,
  fullRefundWithoutAmount: true,
  idempotencyKeys: true,
  reasons: ['requested_by_customer', 'fraudulent'],
  metadata: { maxKeys: 20, maxKeyLength: 40, maxValueLength: 200 },
  referenceMaxLength: 40,
  currencies: ['JPY'],
  approvalFlow: false,
};

/** Pages read when looking for a payment's refunds (Smartpay cannot filter its list by payment). */
const maxListPages = 20;

function toRefund(refund: SmartpayRefund): Refund {
  return {
    provider: 'smartpay',
    id: refund.id,
    payment: refund.payment,
    status: refund.status === 'succeeded' ? 'succeeded' : 'failed',
    // JPY has no minor unit: yen are already minor units.
    amount: { value: refund.amount, currency: refund.currency },
    reference: refund.reference,
    createdAt: new Date(refund.createdAt).toISOString(),
    raw: refund,
  };
}

function toError(response: Response, body: unknown) {
  const providerCode = (body as Partial<SmartpayError> | undefined)?.errorCode;
  return providerError('smartpay', response, body, {
    // A 403 alone would read as an authentication failure. The documented 404s (`payment.not-found`,
    // `refund.not-found`) map by status; so do the spec's 400 `request.invalid` and 409
    // `idempotency-key.conflict`, which no provider source confirms (fact sheet §6).
    code: providerCode === 'amount.insufficient' ? 'insufficient_funds' : undefined,
    providerCode,
    message: (body as Partial<SmartpayError> | undefined)?.message,
  });
}

/**
 * Smartpay for the refundkit facade: refunds with `payment`/`amount`/`currency`/`reason` and an
 * `Idempotency-Key` that stays the same across retries, so a retried create never refunds twice.
 */
export function smartpay(options: SmartpayAdapterOptions): RefundAdapter {
  const client = createAdapterClient<paths>(smartpayClientConfig(options, 'smartpay'));
  return {
    provider: 'smartpay',
    capabilities: smartpayCapabilities,
    secrets: () => [options.secretKey],
    fetch: options.fetch,
    checkPayment: (payment) =>
      /^payment_(test|live)_[0-9a-zA-Z]+$/.test(payment)
        ? undefined
        : 'must look like payment_test_… or payment_live_…',
    checkRefundId: (id) =>
      /^refund_(test|live)_[0-9a-zA-Z]+$/.test(id)
        ? undefined
        : 'must look like refund_test_… or refund_live_…',
    // JPY alone: no need for the ISO table.
    checkCurrency: (currency) => (currency === 'JPY' ? undefined : 'smartpay refunds only in JPY'),

    async create(input, call) {
      const result = await client.POST(
        '/v1/refunds',
        {
          params: { header: { 'Idempotency-Key': input.idempotencyKey } },
          body: {
            payment: input.payment,
            // Left out of the JSON when undefined: then Smartpay refunds everything that is left.
            amount: input.amount?.value,
            currency: 'JPY',
            // Smartpay requires a reason; refunds are most often asked for by the customer.
            reason: (input.reason ?? 'requested_by_customer') as SmartpayRefund['reason'],
            reference: input.reference,
            metadata: input.metadata,
          },
        },
        call,
      );
      return toRefund(successData('smartpay', result, toError));
    },

    async retrieve({ id }, call) {
      const result = await client.GET(
        '/v1/refunds/{refundId}',
        {
          params: { path: { refundId: id } },
        },
        call,
      );
      return toRefund(successData('smartpay', result, toError));
    },

    async list({ payment }, call) {
      const refunds: Refund[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < maxListPages; page += 1) {
        const result = await client.GET(
          '/v1/refunds',
          {
            params: { query: { maxResults: 100, pageToken } },
          },
          call,
        );
        const data = successData('smartpay', result, toError);
        for (const refund of data.data) {
          if (typeof refund.payment === 'string' && refund.payment === payment)
            refunds.push(toRefund(refund as SmartpayRefund));
        }
        pageToken = data.nextPageToken;
        if (!pageToken) break;
      }
      return refunds;
    },
  };
}
