import {
  createSandbox,
  type Sandbox,
  type SandboxHandlers,
  type SandboxLedgerEntry,
  type SandboxOptions,
  type SandboxResponse,
} from '@refundkit/core/testing';
import type { operations } from '../generated/smartpay.gen.js';
import { smartpayOpenApi } from '../generated/smartpay.openapi.gen.js';
import type { SmartpayRefund, SmartpayRefundCreate, SmartpayRefundUpdate } from '../smartpay-schemas.js';

/** A line item of a sandbox payment; refunds name it in `lineItems` and `expand=all` shows it whole. */
export interface SmartpayLineItemInput {
  /** `li_test_…`: the id refunds give in `lineItems`. */
  id: string;
  /** Unit amount in yen. */
  amount: number;
  /** Default 1. */
  quantity?: number;
  description?: string;
  /** Default `product`. */
  kind?: 'product' | 'tax' | 'discount';
}

export interface SmartpayPaymentInput {
  /** Amount paid, in yen (JPY has no minor unit). */
  amount: number;
  /** Only `JPY`: Smartpay supports no other currency. */
  currency: 'JPY';
  /** The payment's line items, for refunds with `lineItems`. Default: none. */
  lineItems?: SmartpayLineItemInput[];
}

export type SmartpaySandbox = Sandbox<{ secretKey: string }, SmartpayPaymentInput>;
export type SmartpaySandboxOptions = SandboxOptions;

type ExpandedLineItem = Exclude<SmartpayRefund['lineItems'][number], string>;

interface Payment {
  amount: number;
  refunded: number;
  lineItems: Map<string, ExpandedLineItem>;
}

/** Smartpay's SDKs send `null` for optional fields they were not given: it means the field is absent. */
function withoutNulls<T extends object>(body: T): { [Key in keyof T]: Exclude<T[Key], null> } {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null)) as never;
}

const error = (statusCode: number, errorCode: string, message: string): SandboxResponse => ({
  status: statusCode,
  body: { statusCode, errorCode, message, details: [] },
});

/** The offset a page token stands for, or `undefined` for one the sandbox never issued. */
function pageOffset(token: string): number | undefined {
  try {
    const offset = /^offset:(\d+)$/.exec(atob(token))?.[1];
    return offset === undefined ? undefined : Number(offset);
  } catch {
    return undefined;
  }
}

/** Canonical JSON (sorted keys) so a replayed request matches whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * An in-memory Smartpay: payments refunded in parts until used up, `amount.insufficient` beyond that,
 * `Idempotency-Key` replay (same key and body → the stored response; another body → 409), and cursor
 * pagination. Every request and response is validated against `specs/smartpay.yaml`.
 */
export function createSmartpaySandbox(options?: SmartpaySandboxOptions): SmartpaySandbox {
  const payments = new Map<string, Payment>();
  const refunds = new Map<string, SmartpayRefund>();
  const idempotent = new Map<string, { request: string; response: SandboxResponse }>();

  return createSandbox(options, (tools) => {
    const secretKey = `sk_test_${tools.randomId(22)}`;

    /** Smartpay deduplicates POST and PATCH by `Idempotency-Key` for 6 hours; the sandbox for its lifetime. */
    function withIdempotency(
      headers: Headers,
      scope: string,
      body: unknown,
      perform: () => SandboxResponse,
    ): SandboxResponse {
      const key = headers.get('idempotency-key');
      if (key === null) return perform();
      const request = `${scope} ${canonical(body)}`;
      const stored = idempotent.get(key);
      if (stored) {
        if (stored.request !== request) {
          return error(409, 'idempotency-key.conflict', 'This Idempotency-Key was used with another request');
        }
        return {
          ...stored.response,
          headers: { ...stored.response.headers, 'idempotency-replayed': 'true' },
        };
      }
      const response = perform();
      if (response.status < 500) idempotent.set(key, { request, response });
      return response;
    }

    function createRefund(sent: SmartpayRefundCreate): SandboxResponse {
      const body = withoutNulls(sent);
      const payment = payments.get(body.payment);
      if (!payment) return error(404, 'payment.not-found', 'Payment not found');
      // Undocumented case (spec: an assumption): a line item that is not the payment's is refused.
      const foreign = body.lineItems?.find((id) => !payment.lineItems.has(id));
      if (foreign !== undefined) {
        return error(400, 'request.invalid', `Line item ${foreign} is not a line item of this payment`);
      }
      const left = payment.amount - payment.refunded;
      const amount = body.amount ?? left;
      if (amount <= 0 || amount > left) {
        return error(403, 'amount.insufficient', 'Available amount on payment is insufficient');
      }
      payment.refunded += amount;
      const time = tools.now().getTime();
      const refund: SmartpayRefund = {
        id: `refund_test_${tools.randomId(22)}`,
        object: 'refund',
        amount,
        currency: body.currency,
        payment: body.payment,
        reason: body.reason,
        status: 'succeeded',
        ...(body.reference === undefined ? {} : { reference: body.reference }),
        ...(body.description === undefined ? {} : { description: body.description }),
        lineItems: body.lineItems ?? [],
        metadata: body.metadata ?? {},
        test: true,
        createdAt: time,
        updatedAt: time,
      };
      refunds.set(refund.id, refund);
      return { status: 200, body: refund };
    }

    /** With `expand=all` a refund's line item ids become the payment's Line Item objects. */
    function shown(refund: SmartpayRefund, query: URLSearchParams): SmartpayRefund {
      if (query.get('expand') !== 'all') return refund;
      const lineItems = payments.get(refund.payment)!.lineItems;
      return { ...refund, lineItems: refund.lineItems.map((id) => lineItems.get(id as string)!) };
    }

    return {
      provider: 'smartpay',
      spec: smartpayOpenApi,
      mediaType: 'application/json',
      credentials: { secretKey },
      authenticate: (headers) => headers.get('authorization') === `Basic ${secretKey}`,
      unauthorized: () => ({ status: 401, body: { statusCode: 401, scheme: 'Basic', realm: 'api' } }),
      invalidRequest: (violations) =>
        // Assumption: no source says what an id that cannot be a refund's gets; the documented 404 of an
        // unknown refund. Other violations get request.invalid, on listRefunds too (its spec lists no 400).
        violations.some((violation) => violation.startsWith('path parameter "refundId"'))
          ? error(404, 'refund.not-found', 'Refund not found')
          : {
              status: 400,
              body: {
                statusCode: 400,
                errorCode: 'request.invalid',
                message: violations[0],
                details: violations,
              },
            },
      notFound: () => error(404, 'not-found', 'No such route'),
      // Assumption: no source documents Smartpay's 405 or 413; its error object, with codes in its
      // `<resource>.<problem>` style.
      refused: (status, text) =>
        error(status, status === 405 ? 'method.not-allowed' : 'request.too-large', text),
      faultBody: (status) => ({
        statusCode: status,
        errorCode: 'unexpected_error',
        message: 'Sandbox fault',
        details: [],
      }),
      createPayment(input) {
        if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
          throw new TypeError('createPayment: "amount" must be a positive whole number of yen');
        }
        if (input.currency !== 'JPY') throw new TypeError('createPayment: Smartpay only supports "JPY"');
        const time = tools.now().getTime();
        const lineItems = new Map<string, ExpandedLineItem>();
        for (const item of (input as SmartpayPaymentInput).lineItems ?? []) {
          const quantity = item.quantity ?? 1;
          if (!/^li_test_[0-9a-zA-Z]+$/.test(item.id) || lineItems.has(item.id)) {
            throw new TypeError('createPayment: each line item needs its own "id" like li_test_…');
          }
          if (!Number.isSafeInteger(item.amount) || !Number.isSafeInteger(quantity) || quantity <= 0) {
            throw new TypeError('createPayment: a line item "amount" is whole yen, its "quantity" positive');
          }
          lineItems.set(item.id, {
            id: item.id,
            object: 'lineItem',
            kind: item.kind ?? 'product',
            amount: item.amount,
            currency: 'JPY',
            ...(item.description === undefined ? {} : { description: item.description }),
            quantity,
            metadata: {},
            test: true,
            createdAt: time,
            updatedAt: time,
          });
        }
        const id = `payment_test_${tools.randomId(21)}`;
        payments.set(id, { amount: input.amount, refunded: 0, lineItems });
        return id;
      },
      refunds: (): SandboxLedgerEntry[] =>
        [...refunds.values()].map((refund) => ({
          id: refund.id,
          payment: refund.payment,
          amount: refund.amount,
          currency: refund.currency,
          status: refund.status,
          reference: refund.reference,
          createdAt: new Date(refund.createdAt).toISOString(),
        })),
      handlers: {
        createRefund: ({ headers, body }) =>
          withIdempotency(headers, 'createRefund', body, () => createRefund(body)),
        retrieveRefund: ({ pathParams, query }) => {
          const refund = refunds.get(pathParams.refundId!);
          return refund
            ? { status: 200, body: shown(refund, query) }
            : error(404, 'refund.not-found', 'Refund not found');
        },
        updateRefund: ({ headers, pathParams, body }) =>
          withIdempotency(headers, `updateRefund ${pathParams.refundId}`, body, () => {
            const refund = refunds.get(pathParams.refundId!);
            if (!refund) return error(404, 'refund.not-found', 'Refund not found');
            // Left out or `null`: unchanged (spec RefundUpdate).
            Object.assign(refund, withoutNulls(body as SmartpayRefundUpdate), {
              updatedAt: tools.now().getTime(),
            });
            return { status: 200, body: refund };
          }),
        listRefunds: ({ query }) => {
          // Newest first; a page token is its offset, opaque to clients. Every page, the first too, has one.
          const all = [...refunds.values()].reverse();
          const maxResults = Number(query.get('maxResults') ?? 20);
          const token = (offset: number) => btoa(`offset:${offset}`);
          const requested = query.get('pageToken');
          const offset = requested ? pageOffset(requested) : 0;
          // Assumption: no source documents the answer to a token Smartpay never issued; its 400.
          if (offset === undefined) return error(400, 'request.invalid', 'pageToken is not a page token');
          const data = all.slice(offset, offset + maxResults).map((refund) => shown(refund, query));
          const next = offset + maxResults;
          return {
            status: 200,
            body: {
              object: 'collection',
              pageToken: token(offset),
              ...(next < all.length ? { nextPageToken: token(next) } : {}),
              maxResults,
              results: data.length,
              data,
            },
          };
        },
      } satisfies SandboxHandlers<operations>,
    };
  });
}
