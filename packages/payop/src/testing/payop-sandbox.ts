import { currencyExponent, minorUnitsToDecimal, parseMajorUnits } from '@refundkit/core';
import {
  createSandbox,
  type Sandbox,
  type SandboxHandlers,
  type SandboxLedgerEntry,
  type SandboxOptions,
  type SandboxResponse,
} from '@refundkit/core/testing';
import type { operations } from '../generated/payop.gen.js';
import { payopOpenApi } from '../generated/payop.openapi.gen.js';
import type { PayopRefund, PayopRefundCreate } from '../payop-schemas.js';

export interface PayopPaymentInput {
  /** Amount paid, in integer minor units of `currency` (cents for USD, fils for KWD, yen for JPY). */
  amount: number;
  /** ISO 4217 code of the transaction, any currency with a known exponent (`USD`, `KWD`, `JPY`…). */
  currency: string;
}

/** What PayOp's asynchronous processing can turn a new refund into: 2 accepted, 3 rejected. */
export type PayopSettlement = 2 | 3;

export type PayopSandbox = Sandbox<{ token: string }, PayopPaymentInput> & {
  /**
   * Simulates PayOp processing a refund (what the refund IPN would announce): a new (status 1) refund
   * becomes accepted (2) or rejected (3), and its `updatedAt` is set. A rejected refund gives its amount
   * back to the transaction's refundable balance. Throws for an unknown or already settled refund.
   */
  settle(refundId: string, status: PayopSettlement): void;
};
export type PayopSandboxOptions = SandboxOptions;

interface Transaction {
  identifier: string;
  currency: string;
  exponent: number;
  /** Minor units. */
  amount: number;
}

interface StoredRefund {
  identifier: string;
  status: 1 | PayopSettlement;
  type: 1 | 2;
  transaction: Transaction;
  /** Minor units. */
  amount: number;
  createdAtMs: number;
  updatedAtMs: number | null;
  metadata: Record<string, unknown> | undefined;
}

const statusWords = { 1: 'new', 2: 'accepted', 3: 'rejected' } as const;

/** PayOp's bodies: every error is `{message}` (0.Integration/responses.md). */
const message = (status: number, text: string | Record<string, string[]>): SandboxResponse => ({
  status,
  body: { message: text },
});
// The two documented createRefund failures (seed 002 / 4.Refund/refund.md), both 422.
const transactionNotFound = () => message(422, 'Transaction not found');
const amountTooBig = () => message(422, 'Refund amount is bigger than transaction amount');

/**
 * Turns the engine's spec violations into PayOp's validation body, a map of field → messages
 * (responses.md: `{"message":{"email":["This value should not be blank."]}}`). The texts are
 * Symfony-validator style like PayOp's examples; the engine's exact violation is in the
 * `x-refundkit-sandbox-violation` header.
 */
function validationMessages(violations: string[]): string | Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  const add = (field: string, text: string) => {
    const list = fields[field] ?? [];
    if (!list.includes(text)) list.push(text);
    fields[field] = list;
  };
  for (const violation of violations) {
    const required = /^request body must have required property '([^']+)'$/.exec(violation);
    if (required) {
      add(required[1]!, 'This value should not be blank.');
      continue;
    }
    // `must match "then" schema` only accompanies the `required` above.
    if (/^request body must match "(then|else)" schema$/.test(violation)) continue;
    const field = /^request body\/([^/ ]+)\S* (.+)$/.exec(violation);
    if (field) {
      add(field[1]!.replaceAll('~1', '/').replaceAll('~0', '~'), symfonyText(field[2]!));
    }
  }
  // Nothing about one field (malformed JSON, wrong Content-Type, not an object): PayOp's string form.
  return Object.keys(fields).length > 0 ? fields : violations[0]!;
}

function symfonyText(ajvMessage: string): string {
  // A blank required field, in the words of PayOp's validation example (responses.md).
  if (/^must NOT have fewer than 1 characters$/.test(ajvMessage)) return 'This value should not be blank.';
  if (/^must be equal to one of the allowed values$/.test(ajvMessage))
    return 'The value you selected is not a valid choice.';
  if (/^must be > 0$/.test(ajvMessage)) return 'This value should be positive.';
  const type = /^must be (number|integer|string|object|array|boolean)$/.exec(ajvMessage);
  if (type) return `This value should be of type ${type[1]}.`;
  return 'This value is not valid.';
}

/**
 * An in-memory PayOp: checkout transactions in any ISO 4217 currency, refunded in full (`refundType` 1)
 * or in parts (2) until used up, amounts exchanged as exact decimals of the transaction currency, the
 * new refund's id only in the `identifier` header, refunds created as status 1 (new) and processed by
 * `sandbox.settle()`. Every request and response is validated against `specs/payop.yaml`.
 */
export function createPayopSandbox(options?: PayopSandboxOptions): PayopSandbox {
  const transactions = new Map<string, Transaction>();
  const refunds = new Map<string, StoredRefund>();
  let settle: PayopSandbox['settle'] = () => {};

  /** What a transaction can still give back: its amount less every refund that is not rejected. */
  function refundable(transaction: Transaction): number {
    let left = transaction.amount;
    for (const refund of refunds.values()) {
      // A rejected refund moved no money, so it does not use up the transaction (PayOp's refund
      // statuses, 4.Refund/refund.md: 3 = rejected, final).
      if (refund.transaction === transaction && refund.status !== 3) left -= refund.amount;
    }
    return left;
  }

  const seconds = (ms: number) => Math.floor(ms / 1000);

  function toPayop(refund: StoredRefund, userIdentifier: number): PayopRefund {
    const { transaction } = refund;
    return {
      identifier: refund.identifier,
      status: refund.status,
      type: refund.type,
      userIdentifier,
      amount: minorUnitsToDecimal(refund.amount, transaction.exponent),
      currency: transaction.currency,
      createdAt: seconds(refund.createdAtMs),
      updatedAt: refund.updatedAtMs === null ? null : seconds(refund.updatedAtMs),
      sourceTransaction: {
        identifier: transaction.identifier,
        amount: minorUnitsToDecimal(transaction.amount, transaction.exponent),
        currency: transaction.currency,
        // 2 = accepted (paid), the state of a refundable checkout transaction (2.Checkout/checkout.md states).
        state: 2,
      },
      error: null,
      // Returned as sent; PayOp does not document what it returns when none was sent, so it is left out.
      ...(refund.metadata === undefined ? {} : { metadata: refund.metadata }),
    };
  }

  const sandbox = createSandbox(options, (tools) => {
    // A PayOp JWT: three base64url segments (the client checks that shape).
    const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const token = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${tools.randomId(48, base64url)}.${tools.randomId(43, base64url)}`;
    /** The merchant user that owns every refund of this sandbox (`userIdentifier`, e.g. 46288 in PayOp's docs). */
    const userIdentifier = Number(tools.randomId(1, '123456789') + tools.randomId(4, '0123456789'));

    function createRefund(body: PayopRefundCreate): SandboxResponse {
      const transaction = transactions.get(body.transactionIdentifier);
      if (!transaction) return transactionNotFound();
      const left = refundable(transaction);
      let amount: number;
      if (body.refundType === 1) {
        // Full refund: PayOp refunds "all transaction amount" and needs `amount` only "if partial"
        // (4.Refund/refund.md, refundType table and parameter table), so a sent `amount` is ignored.
        // After partial refunds, what remains is refunded; when nothing remains, it is an over-refund.
        amount = left;
      } else {
        try {
          // Exact: a decimal with more digits than the currency has is refused, never rounded.
          amount = parseMajorUnits(body.amount!, transaction.exponent);
        } catch (error) {
          // Too many decimals, or too far below one minor unit to write (1e-7): a validation error.
          // Beyond the safe-integer range (1e16, 1e21): more than any transaction, so an over-refund.
          if (!/decimal digits/.test((error as Error).message) && body.amount! >= 1) return amountTooBig();
          return message(422, {
            amount: [`This value should have ${transaction.exponent} decimal places or fewer.`],
          });
        }
      }
      if (amount <= 0 || amount > left) return amountTooBig();
      const refund: StoredRefund = {
        identifier: tools.randomUuid(),
        status: 1,
        type: body.refundType,
        transaction,
        amount,
        createdAtMs: tools.now().getTime(),
        updatedAtMs: null,
        metadata: body.metadata,
      };
      refunds.set(refund.identifier, refund);
      // The id is only in the `identifier` header; `data` has been an empty string since 2019-09 (seed 002).
      return { status: 200, headers: { identifier: refund.identifier }, body: { data: '', status: 1 } };
    }

    settle = (refundId, status) => {
      if (status !== 2 && status !== 3)
        throw new TypeError('settle: "status" must be 2 (accepted) or 3 (rejected)');
      const refund = refunds.get(refundId);
      if (!refund) throw new TypeError(`settle: no refund "${refundId}" in this sandbox`);
      if (refund.status !== 1)
        throw new TypeError(`settle: refund "${refundId}" is already ${statusWords[refund.status]}`);
      refund.status = status;
      refund.updatedAtMs = tools.now().getTime();
    };

    return {
      provider: 'payop',
      spec: payopOpenApi,
      mediaType: 'application/json',
      credentials: { token },
      authenticate: (headers) => headers.get('authorization') === `Bearer ${token}`,
      // Seed 002 / responses.md: the generic 401 for a missing, invalid, expired or deleted token.
      unauthorized: () => message(401, 'Full authentication is required to access this resource.'),
      invalidRequest: (violations, operationId) => {
        if (operationId === 'listRefunds') {
          // specs/payop.yaml documents no 4xx for listRefunds but 401/403, and PayOp does not say what a
          // malformed `query[identifier]` gets: answered like an unknown identifier, an empty list
          // (the violation is still named in the x-refundkit-sandbox-violation header).
          return { status: 200, body: { data: [], status: 1 } };
        }
        return message(422, validationMessages(violations));
      },
      // responses.md: PayOp's generic 404 is a `{message}` string (specs/payop.yaml, NotFound); its example
      // names an invoice, so the text here is the sandbox's own.
      notFound: () => message(404, 'Not found'),
      // Assumption: no source documents PayOp's 405 or 413; its `{message}` body of every error.
      refused: (status, text) => message(status, text),
      faultBody: (status) => ({
        message:
          status === 429
            ? // The only documented PayOp rate limit answer (6. Balance/balance.md).
              'Too many requests from ip'
            : // responses.md's generic 500 body.
              'Something went wrong, try again or contact support.',
      }),
      createPayment(input) {
        if (!input || typeof input !== 'object')
          throw new TypeError('createPayment: expected { amount, currency }');
        const exponent = typeof input.currency === 'string' ? currencyExponent(input.currency) : undefined;
        if (exponent === undefined) {
          throw new TypeError(
            `createPayment: "currency" must be an ISO 4217 code, got ${JSON.stringify(input.currency)}`,
          );
        }
        if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
          throw new TypeError('createPayment: "amount" must be a positive whole number of minor units');
        }
        try {
          minorUnitsToDecimal(input.amount, exponent);
        } catch {
          throw new TypeError(
            `createPayment: ${input.amount} ${input.currency} cannot be sent as an exact decimal`,
          );
        }
        const identifier = tools.randomUuid();
        transactions.set(identifier, {
          identifier,
          currency: input.currency,
          exponent,
          amount: input.amount,
        });
        return identifier;
      },
      refunds: (): SandboxLedgerEntry[] =>
        [...refunds.values()].map((refund) => ({
          id: refund.identifier,
          payment: refund.transaction.identifier,
          amount: refund.amount,
          currency: refund.transaction.currency,
          status: statusWords[refund.status],
          // PayOp refunds have no merchant reference field (only free-form `metadata`).
          reference: undefined,
          createdAt: new Date(seconds(refund.createdAtMs) * 1000).toISOString(),
        })),
      handlers: {
        createRefund: ({ body }) => createRefund(body),
        listRefunds: ({ query }) => {
          // Newest first: PayOp documents no order (4.Refund/refund.md); the spec's list example is newest first.
          const all = [...refunds.values()].reverse();
          const identifier = query.get('query[identifier]');
          // An unknown identifier: undocumented, presumably an empty array (no 404 is documented).
          const data = identifier === null ? all : all.filter((refund) => refund.identifier === identifier);
          return {
            status: 200,
            body: { data: data.map((refund) => toPayop(refund, userIdentifier)), status: 1 },
          };
        },
      } satisfies SandboxHandlers<operations>,
    };
  });

  return Object.assign(sandbox, {
    settle: (refundId: string, status: PayopSettlement) => settle(refundId, status),
  });
}
