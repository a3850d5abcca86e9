import { currencyExponent, formatMinorUnits, minorUnitsToDecimal, parseMajorUnits } from '@refundkit/core';
import {
  createSandbox,
  type Sandbox,
  type SandboxHandlers,
  type SandboxLedgerEntry,
  type SandboxOptions,
  type SandboxResponse,
} from '@refundkit/core/testing';
import type {
  GeinsNewRefund,
  GeinsProcessedRefund,
  GeinsRefund,
  GeinsRefundApproval,
  GeinsRefundQuery,
  GeinsRefundRow,
  GeinsRefundStatus,
  GeinsRefundType,
  GeinsSettledRefund,
  GeinsSettledRefundRow,
} from '../geins-schemas.js';
import type { operations } from '../generated/geins.gen.js';
import { geinsOpenApi } from '../generated/geins.openapi.gen.js';

/** One row of a seeded order. */
export interface GeinsOrderRowInput {
  /** The order row id a refund can target with `OrderRowId`. Default: generated. */
  OrderRowId?: number;
  /** The row's name. Default: `Sandbox item`. */
  Name?: string;
  /** The row's price including VAT, in integer minor units. */
  Price: number;
}

export interface GeinsPaymentInput {
  /** The order sum, in integer minor units (öre for SEK). */
  amount: number;
  /** ISO 4217 code of the order's currency, e.g. `SEK`. */
  currency: string;
  /** The order rows; their prices must add up to `amount`. Default: one row of the whole amount. */
  rows?: GeinsOrderRowInput[];
}

/** Shaped like the client's credential options: `createGeinsClient({ ...sandbox.credentials, fetch })`. */
export type GeinsCredentials = {
  apiKey: string;
  username: string;
  password: string;
};

/** `createPayment` seeds a Geins order and returns its id as a decimal string (e.g. `'104215'`). */
export type GeinsSandbox = Sandbox<GeinsCredentials, GeinsPaymentInput>;
export type GeinsSandboxOptions = SandboxOptions;

interface OrderRow {
  id: number;
  name: string;
  price: number;
}

interface Order {
  id: number;
  currency: string;
  exponent: number;
  amount: number;
  rows: OrderRow[];
}

interface StoredRow {
  id: number;
  orderRowId: number | null;
  /** Integer minor units. */
  amount: number;
  toBalance: boolean;
  refundType: GeinsRefundType;
  settled: boolean;
  settledOn: string | null;
  createdOn: string;
}

interface StoredRefund {
  id: string;
  instanceId: number;
  order: Order;
  reference: string | null;
  description: string | null;
  author: string | null;
  externalId: string | null;
  skipRefundEvents: boolean;
  createdOn: string;
  /** Last state change; not on the wire, used by the query's `Updated*` filters. */
  updatedOn: string;
  requiresApproval: boolean;
  approved: boolean | null;
  approvalDecidedBy: string | null;
  approvalDecidedOn: string | null;
  sent: boolean;
  sentOn: string | null;
  processed: boolean;
  processedOn: string | null;
  rows: StoredRow[];
}

/** The query statuses (spec `RefundStatus`). 0 (All) and 5 (Investigation) are never derived. */
const status = {
  sent: 1,
  settled: 2,
  settledManually: 3,
  processed: 4,
  pendingApproval: 6,
  approved: 7,
} as const;

const success = { Message: 'Success.', Details: null };
const envelope = (httpStatus: number, message: string, details: string[] | null): SandboxResponse => ({
  status: httpStatus,
  body: { Message: message, Details: details },
});
// Assumption: the `Message` texts are Geins' response descriptions ("Bad request.", "Not found."); Geins
// publishes no error body texts, and every `Details` text below is the sandbox's own.
const badRequest = (...details: string[]) => envelope(400, 'Bad request.', details);
const notFound = (...details: string[]) => envelope(404, 'Not found.', details);
/** createRefund documents its 400 and 404 with the `Envelope-Nullable-Guid` shape (`Resource: null`). */
const withResource = (response: SandboxResponse): SandboxResponse => ({
  ...response,
  body: { Resource: null, ...(response.body as object) },
});

const isResponse = (value: object): value is SandboxResponse => 'status' in value;
const digits = '0123456789';
const int32Max = 2 ** 31 - 1;
const isInt32Id = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= int32Max;

/** Every row settled (and at least one row). */
const allSettled = (refund: StoredRefund) =>
  refund.rows.length > 0 && refund.rows.every((row) => row.settled);
const rowsTotal = (rows: StoredRow[]) => rows.reduce((sum, row) => sum + row.amount, 0);
const refundTotal = (refund: StoredRefund) => rowsTotal(refund.rows);

/**
 * The query statuses a refund has, derived from its state (several can hold at once):
 * 1 Sent: `Sent`. 2 Settled: every row settled and the refund processed (settled through the payment
 * flow). 3 SettledManually: every row settled without the refund being processed (`Settled` at creation,
 * `SetAsSettled`, or each row settled by hand). 4 Processed: `Processed`. 6 PendingApproval: requires
 * approval, undecided. 7 Approved: requires approval, approved. A denied refund has none of them; no
 * operation puts a row under investigation, so 5 never applies.
 */
function statusesOf(refund: StoredRefund): GeinsRefundStatus[] {
  const statuses: GeinsRefundStatus[] = [];
  if (refund.sent) statuses.push(status.sent);
  if (allSettled(refund)) statuses.push(refund.processed ? status.settled : status.settledManually);
  if (refund.processed) statuses.push(status.processed);
  if (refund.requiresApproval && refund.approved === null) statuses.push(status.pendingApproval);
  if (refund.requiresApproval && refund.approved === true) statuses.push(status.approved);
  return statuses;
}

/** The ledger's one-word status, most decisive first. */
function ledgerStatus(refund: StoredRefund): string {
  if (refund.requiresApproval && refund.approved === false) return 'denied';
  if (refund.requiresApproval && refund.approved === null) return 'pending_approval';
  if (refund.processed) return 'processed';
  if (allSettled(refund)) return 'settled';
  return 'sent';
}

/**
 * An in-memory Geins Management API (the nine Refund operations): orders refunded in parts until used up
 * (400 beyond that), the approval flow (`RefundsRequireApproval` → pending, not sent → `SetApproval`),
 * `Settled` at creation, processed and settled refunds and rows, deletion of unsettled rows, and the
 * cross-order query by date and derived status. Every request and response is validated against
 * `specs/geins.yaml`; both `X-ApiKey` and Basic auth must match.
 */
export function createGeinsSandbox(options?: GeinsSandboxOptions): GeinsSandbox {
  const orders = new Map<number, Order>();
  const refunds = new Map<string, StoredRefund>();
  const usedIds = {
    orders: new Set<number>(),
    orderRows: new Set<number>(),
    instances: new Set<number>(),
    refundRows: new Set<number>(),
  };

  return createSandbox(options, (tools) => {
    const credentials: GeinsCredentials = {
      apiKey: tools.randomId(32, '0123456789abcdef'),
      username: `api-user-${tools.randomId(8).toLowerCase()}`,
      password: tools.randomId(24),
    };
    const basic = `Basic ${btoa(`${credentials.username}:${credentials.password}`)}`;
    const now = () => tools.now().toISOString();

    /** A fresh positive int32 id of `length` digits, unique within `used` (bounded retries). */
    function newId(used: Set<number>, length: number): number {
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const id = Number(tools.randomId(1, '123456789') + tools.randomId(length - 1, digits));
        if (!used.has(id)) {
          used.add(id);
          return id;
        }
      }
      throw new Error('The Geins sandbox ran out of ids');
    }

    const decimal = (order: Order, minor: number) => minorUnitsToDecimal(minor, order.exponent);
    /** A body timestamp (validated as date-time) or now, as ISO 8601 UTC. */
    const timestamp = (value: string | null | undefined) => (value ? new Date(value).toISOString() : now());

    /** The order's refundable balance: denied refunds and deleted rows give their amount back. */
    function leftOn(order: Order): number {
      let refunded = 0;
      for (const refund of refunds.values()) {
        if (refund.order === order && refund.approved !== false) refunded += refundTotal(refund);
      }
      return order.amount - refunded;
    }

    function toWire(refund: StoredRefund): GeinsRefund {
      const { order } = refund;
      const sumOf = (predicate: (row: StoredRow) => boolean) =>
        decimal(order, rowsTotal(refund.rows.filter(predicate)));
      const rowIds = new Set(refund.rows.map((row) => row.orderRowId));
      return {
        RefundId: refund.id,
        RefundInstanceId: refund.instanceId,
        OrderId: order.id,
        Reference: refund.reference,
        Description: refund.description,
        Author: refund.author,
        ExternalId: refund.externalId,
        OrderSum: decimal(order, order.amount),
        Currency: order.currency,
        CreatedOn: refund.createdOn,
        SentOn: refund.sentOn,
        ProcessedOn: refund.processedOn,
        Sent: refund.sent,
        Processed: refund.processed,
        RequiresApproval: refund.requiresApproval,
        Approved: refund.approved,
        ApprovalDecidedBy: refund.approvalDecidedBy,
        ApprovalDecidedOn: refund.approvalDecidedOn,
        SkipRefundEvents: refund.skipRefundEvents,
        RefundedItemTotal: sumOf((row) => row.refundType === 0 || row.refundType === 1),
        RefundedShippingFee: sumOf((row) => row.refundType === 2),
        RefundedPaymentFee: sumOf((row) => row.refundType === 3),
        RefundedDiscount: 0,
        // Geins v1.14.0: "the amount refunded from the balance" (worded like RefundedDiscount), i.e. the
        // part of the order paid with the customer's balance; sandbox orders have none. Rows refunded
        // `ToBalance` are not it.
        RefundedBalance: 0,
        RefundedTotal: decimal(order, refundTotal(refund)),
        RefundRows: refund.rows.map(
          (row): GeinsRefundRow => ({
            OrderId: order.id,
            RefundRowId: row.id,
            OrderRowId: row.orderRowId,
            CaptureId: null,
            RefundAmount: decimal(order, row.amount),
            ToBalance: row.toBalance,
            Settled: row.settled,
            SettledOn: row.settledOn,
            CreatedOn: row.createdOn,
            Investigation: false,
            RefundType: row.refundType,
          }),
        ),
        Rows: order.rows
          .filter((row) => rowIds.has(row.id))
          .map((row) => ({
            OrderRowId: row.id,
            Name: row.name,
            Price: decimal(order, row.price),
            SuggestedRefundAmount: decimal(order, row.price),
          })),
      };
    }

    /** The refund a path names: 404 for an unknown order, or a refund not on that order. */
    function findRefund({ orderId, refundId = '' }: Record<string, string>): StoredRefund | SandboxResponse {
      const order = orders.get(Number(orderId));
      if (!order) return notFound(`Order ${orderId} was not found.`);
      const refund = refunds.get(refundId.toLowerCase());
      if (!refund || refund.order !== order)
        return notFound(`Refund ${refundId} was not found on order ${orderId}.`);
      return refund;
    }

    /** The refund a path names, refused (400) while it waits for approval or once it was denied. */
    function findMovableRefund(pathParams: Record<string, string>): StoredRefund | SandboxResponse {
      const refund = findRefund(pathParams);
      if (isResponse(refund) || !refund.requiresApproval) return refund;
      if (refund.approved === null) return badRequest('The refund is awaiting approval.');
      if (refund.approved === false) return badRequest('The refund was denied.');
      return refund;
    }

    /** The refund row a path names, or 404. */
    function findRow(refund: StoredRefund, refundRowId: string | undefined): StoredRow | SandboxResponse {
      const row = refund.rows.find((candidate) => candidate.id === Number(refundRowId));
      return row ?? notFound(`Refund row ${refundRowId} was not found on refund ${refund.id}.`);
    }

    function settle(refund: StoredRefund, rows: StoredRow[], on: string) {
      for (const row of rows) {
        if (row.settled) continue;
        row.settled = true;
        row.settledOn = on;
      }
      refund.updatedOn = now();
    }

    function createRefund(orderId: string, body: GeinsNewRefund): SandboxResponse {
      const order = orders.get(Number(orderId));
      if (!order) return withResource(notFound(`Order ${orderId} was not found.`));
      const orderRowId = body.OrderRowId ?? null;
      if (orderRowId !== null && !order.rows.some((row) => row.id === orderRowId)) {
        return withResource(badRequest(`OrderRowId ${orderRowId} is not a row of order ${order.id}.`));
      }
      let amount: number;
      try {
        amount = parseMajorUnits(body.RefundAmount, order.exponent);
      } catch {
        return withResource(
          badRequest(
            `RefundAmount ${body.RefundAmount} has more decimals than ${order.currency} allows (${order.exponent}).`,
          ),
        );
      }
      const left = leftOn(order);
      if (amount > left) {
        const [asked, available] = [amount, left].map((minor) => formatMinorUnits(minor, order.exponent));
        return withResource(
          badRequest(
            `RefundAmount ${asked} exceeds the ${available} ${order.currency} left to refund on order ${order.id}.`,
          ),
        );
      }
      const createdOn = now();
      const settled = body.Settled === true;
      // RefundsRequireApproval "only applies if Settled is false".
      const requiresApproval = !settled && body.RefundsRequireApproval === true;
      // A refund is sent at creation unless it waits for approval; Settled refunds fire no refund event.
      const sent = !settled && !requiresApproval;
      const refund: StoredRefund = {
        id: tools.randomUuid(),
        instanceId: newId(usedIds.instances, 6),
        order,
        reference: body.Reference ?? null,
        description: body.Description ?? null,
        author: body.Author ?? null,
        externalId: null,
        skipRefundEvents: body.SkipRefundEvents === true,
        createdOn,
        updatedOn: createdOn,
        requiresApproval,
        approved: null,
        approvalDecidedBy: null,
        approvalDecidedOn: null,
        sent,
        sentOn: sent ? createdOn : null,
        processed: false,
        processedOn: null,
        rows: [
          {
            id: newId(usedIds.refundRows, 6),
            orderRowId,
            amount,
            toBalance: body.ToBalance === true,
            refundType: body.RefundType ?? 0,
            settled,
            settledOn: settled ? createdOn : null,
            createdOn,
          },
        ],
      };
      refunds.set(refund.id, refund);
      return { status: 200, body: { Resource: refund.id, ...success } };
    }

    function setApproval(pathParams: Record<string, string>, body: GeinsRefundApproval): SandboxResponse {
      const refund = findRefund(pathParams);
      if (isResponse(refund)) return refund;
      if (!refund.requiresApproval) return badRequest('The refund does not require approval.');
      if (refund.approved !== null)
        return badRequest(`The refund is already ${refund.approved ? 'approved' : 'denied'}.`);
      if (body.Approved === undefined) return badRequest('Approved must be true or false.');
      const decidedOn = timestamp(body.ApprovalDecidedOn);
      refund.approved = body.Approved;
      refund.approvalDecidedBy = body.ApprovalDecidedBy ?? null;
      refund.approvalDecidedOn = decidedOn;
      refund.updatedOn = now();
      if (body.Approved) {
        refund.sent = true;
        refund.sentOn = now();
      }
      return { status: 200, body: success };
    }

    function matchesQuery(refund: StoredRefund, query: GeinsRefundQuery): boolean {
      const within = (value: string | null, after?: string | null, before?: string | null) => {
        if (!after && !before) return true;
        if (value === null) return false;
        const time = Date.parse(value);
        return (!after || time > Date.parse(after)) && (!before || time < Date.parse(before));
      };
      if (!within(refund.createdOn, query.CreatedAfter, query.CreatedBefore)) return false;
      if (!within(refund.updatedOn, query.UpdatedAfter, query.UpdatedBefore)) return false;
      const approvedOn = refund.approved === true ? refund.approvalDecidedOn : null;
      if (!within(approvedOn, query.ApprovedAfter, query.ApprovedBefore)) return false;
      const statuses = statusesOf(refund);
      const include = query.IncludeStatuses ?? [];
      const includeAll = include.length === 0 || include.includes(0);
      if (!includeAll && !statuses.some((code) => include.includes(code))) return false;
      const exclude: GeinsRefundStatus[] = (query.ExcludeStatuses ?? []).filter((code) => code !== 0);
      return !statuses.some((code) => exclude.includes(code));
    }

    return {
      provider: 'geins',
      spec: geinsOpenApi,
      mediaType: 'application/json',
      credentials,
      authenticate: (headers) =>
        headers.get('x-apikey') === credentials.apiKey && headers.get('authorization') === basic,
      unauthorized: () => ({ status: 401, body: { Message: 'Unauthorized' } }),
      invalidRequest: (violations, operationId) => {
        const rejection = badRequest(...violations);
        return operationId === 'createRefund' ? withResource(rejection) : rejection;
      },
      notFound: () => notFound('No such route.'),
      // Assumption: no source documents Geins' 405 or 413; its envelope of every other error.
      refused: (httpStatus, text) =>
        envelope(httpStatus, httpStatus === 405 ? 'Method not allowed.' : 'Request entity too large.', [
          text,
        ]),
      faultBody: (httpStatus) => ({
        Message:
          httpStatus === 429
            ? 'Too many requests.'
            : httpStatus === 503
              ? 'Service unavailable.'
              : 'A database error occured.',
        Details: null,
      }),
      createPayment(input) {
        const exponent = currencyExponent(input.currency);
        if (exponent === undefined)
          throw new TypeError(`createPayment: "${input.currency}" is not an ISO 4217 currency`);
        if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
          throw new TypeError('createPayment: "amount" must be a positive whole number of minor units');
        }
        try {
          minorUnitsToDecimal(input.amount, exponent);
        } catch {
          throw new TypeError('createPayment: "amount" cannot be sent as an exact decimal');
        }
        const rowsInput = input.rows ?? [{ Price: input.amount }];
        if (!Array.isArray(rowsInput) || rowsInput.length === 0) {
          throw new TypeError('createPayment: "rows" must be a non-empty array');
        }
        const taken = new Set<number>();
        for (const row of rowsInput) {
          if (!Number.isSafeInteger(row.Price) || row.Price <= 0) {
            throw new TypeError(
              'createPayment: each row "Price" must be a positive whole number of minor units',
            );
          }
          if (row.OrderRowId !== undefined) {
            if (!isInt32Id(row.OrderRowId))
              throw new TypeError('createPayment: "OrderRowId" must be a positive int32');
            if (taken.has(row.OrderRowId) || usedIds.orderRows.has(row.OrderRowId)) {
              throw new TypeError(`createPayment: OrderRowId ${row.OrderRowId} is already in use`);
            }
            taken.add(row.OrderRowId);
          }
        }
        if (rowsInput.reduce((sum, row) => sum + row.Price, 0) !== input.amount) {
          throw new TypeError('createPayment: the row prices must add up to "amount"');
        }
        for (const id of taken) usedIds.orderRows.add(id);
        const order: Order = {
          id: newId(usedIds.orders, 6),
          currency: input.currency,
          exponent,
          amount: input.amount,
          rows: rowsInput.map((row) => ({
            id: row.OrderRowId ?? newId(usedIds.orderRows, 7),
            name: row.Name ?? 'Sandbox item',
            price: row.Price,
          })),
        };
        orders.set(order.id, order);
        return String(order.id);
      },
      refunds: (): SandboxLedgerEntry[] =>
        [...refunds.values()].map((refund) => ({
          id: refund.id,
          payment: String(refund.order.id),
          amount: refundTotal(refund),
          currency: refund.order.currency,
          status: ledgerStatus(refund),
          reference: refund.reference ?? undefined,
          createdAt: refund.createdOn,
        })),
      handlers: {
        createRefund: ({ pathParams, body }) => createRefund(pathParams.orderId!, body),
        retrieveRefund: ({ pathParams }) => {
          const refund = findRefund(pathParams);
          return isResponse(refund)
            ? refund
            : { status: 200, body: { Resource: toWire(refund), ...success } };
        },
        listRefunds: ({ pathParams }) => {
          const order = orders.get(Number(pathParams.orderId));
          if (!order) return notFound(`Order ${pathParams.orderId} was not found.`);
          const list = [...refunds.values()].filter((refund) => refund.order === order);
          return { status: 200, body: { Resource: list.map(toWire), ...success } };
        },
        queryRefunds: ({ body }) => {
          const list = [...refunds.values()].filter((refund) => matchesQuery(refund, body));
          return { status: 200, body: { Resource: list.map(toWire), ...success } };
        },
        setRefundApproval: ({ pathParams, body }) => setApproval(pathParams, body),
        setRefundAsProcessed: ({ pathParams, body }) => {
          const refund = findMovableRefund(pathParams);
          if (isResponse(refund)) return refund;
          const details = body as GeinsProcessedRefund;
          if (!refund.processed) {
            refund.processed = true;
            refund.processedOn = timestamp(details.ProcessedOn);
          }
          // Assumption: the processing's ExternalId is the refund's ExternalId (Geins documents both fields,
          // not how one becomes the other). Its Reference is "a custom reference for the act of setting
          // the refund as processed" (Geins v1.14.0), not the refund's own Reference, which stays as created.
          if (details.ExternalId != null) refund.externalId = details.ExternalId;
          // Processing "also marks all rows of the refund as settled".
          settle(refund, refund.rows, refund.processedOn!);
          return { status: 200, body: success };
        },
        setRefundAsSettled: ({ pathParams, body }) => {
          const refund = findMovableRefund(pathParams);
          if (isResponse(refund)) return refund;
          settle(refund, refund.rows, timestamp((body as GeinsSettledRefund).SettledOn));
          return { status: 200, body: success };
        },
        setRefundRowAsSettled: ({ pathParams, body }) => {
          const refund = findMovableRefund(pathParams);
          if (isResponse(refund)) return refund;
          const row = findRow(refund, pathParams.refundRowId);
          if (isResponse(row)) return row;
          settle(refund, [row], timestamp((body as GeinsSettledRefundRow).SettledOn));
          return { status: 200, body: success };
        },
        deleteRefundRow: ({ pathParams }) => {
          const refund = findRefund(pathParams);
          if (isResponse(refund)) return refund;
          const row = findRow(refund, pathParams.refundRowId);
          if (isResponse(row)) return row;
          if (row.settled) return badRequest('The refund row is already settled.');
          // The row's amount leaves the refund and is refundable on the order again.
          refund.rows = refund.rows.filter((candidate) => candidate !== row);
          refund.updatedOn = now();
          return { status: 200, body: success };
        },
      } satisfies SandboxHandlers<operations>,
    };
  });
}
