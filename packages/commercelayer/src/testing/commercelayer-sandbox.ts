import { currencyExponent, formatMinorUnits, minorUnitsToDecimal } from '@refundkit/core';
import {
  createSandbox,
  type OperationRequest,
  type Sandbox,
  type SandboxHandlers,
  type SandboxLedgerEntry,
  type SandboxOptions,
  type SandboxResponse,
} from '@refundkit/core/testing';
import type {
  CommercelayerCapture,
  CommercelayerCaptureUpdate,
  CommercelayerOrder,
  CommercelayerOrderUpdate,
  CommercelayerRefundAttributes,
  CommercelayerRefundUpdate,
  CommercelayerReturn,
  CommercelayerReturnUpdate,
} from '../commercelayer-schemas.js';
import type { operations } from '../generated/commercelayer.gen.js';
import { commercelayerOpenApi } from '../generated/commercelayer.openapi.gen.js';

export interface CommercelayerPaymentInput {
  /** The captured amount in minor units of `currency` (`amount_cents`: cents for EUR, yen for JPY). */
  amount: number;
  /** ISO 4217 code of the order's currency, e.g. `EUR`. */
  currency: string;
  /**
   * Id of the order the capture belongs to. Default: a new order. Captures seeded with the same id share
   * the order (and its transaction numbering), so they must share its currency.
   */
  order?: string;
  /**
   * Make the test gateway decline every refund of this capture: the `_refund` trigger still succeeds
   * (200) and creates the refund, with `succeeded: false` and the gateway's message, as Commerce Layer
   * stores gateway failures. Default: refunds succeed.
   */
  declineRefunds?: boolean;
}

type ReturnStatus = CommercelayerReturn['attributes']['status'];

export interface CommercelayerReturnInput {
  /** Id of the return's reference capture (from `createPayment`); the return belongs to its order. */
  capture: string;
  /**
   * `estimated_refund_amount_cents`, what the return's line items are worth in minor units: the amount
   * its `_refund` trigger refunds without `_refund_amount_cents`. Default: the capture's amount.
   */
  amount?: number;
  /** The return's status. Default `received`, the status in which it can be refunded. */
  status?: Exclude<ReturnStatus, 'refunded'>;
}

/** What `createCommercelayerClient` takes as credentials (a type alias, so it is a string record). */
export type CommercelayerCredentials = {
  /** The organization slug (the API host's subdomain). */
  organization: string;
  /** A JWT-shaped integration access token, sent as `Authorization: Bearer <token>`. */
  accessToken: string;
};

export interface CommercelayerTokenOptions {
  /**
   * Seconds from now (the sandbox clock) until the token expires; 0 or less issues an expired one.
   * Default: the sandbox's `tokenLifetime`.
   */
  expiresIn?: number;
  /**
   * The integration's role: `admin` may read and write; `read_only` may only read, and its writes are
   * answered 401 `UNAUTHORIZED` (the API has no 403). Default `admin`.
   */
  role?: 'admin' | 'read_only';
}

export type CommercelayerSandbox = Sandbox<CommercelayerCredentials, CommercelayerPaymentInput> & {
  /**
   * Issues another access token of the sandbox's integration, as `POST https://auth.commercelayer.io/oauth/token`
   * (client_credentials) would: for an SDK's `refreshToken` callback, expired tokens and read-only roles.
   */
  issueAccessToken(options?: CommercelayerTokenOptions): string;
  /**
   * Seeds a return of a seeded capture's order, with that capture as its `reference_capture`, and returns
   * its id: `PATCH /returns/{id}` with `_refund: true` then refunds it. Throws a TypeError on bad input.
   */
  createReturn(input: CommercelayerReturnInput): string;
};

export interface CommercelayerSandboxOptions extends SandboxOptions {
  /** Lifetime of the access tokens the sandbox issues, in seconds. Default 7200 (an integration token's default). */
  tokenLifetime?: number;
  /** The environment: `meta.mode`, the tokens' `test` claim and which rate limits apply. Default `test`. */
  mode?: 'test' | 'live';
  /**
   * Answer 429 once a rate limit is exceeded. Default `false`: requests are counted and the
   * `X-Ratelimit-*` headers sent on every response, but none is refused, because tests send hundreds of
   * requests within one (often frozen) sandbox minute, far above the test limits.
   */
  enforceRateLimits?: boolean;
}

type Json = Record<string, unknown>;
type RefundAttributes = CommercelayerRefundAttributes;
type CaptureAttributes = CommercelayerCapture['attributes'];

const jsonApi = 'application/vnd.api+json';
const base64url = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';
const digits = '0123456789';
/** Amounts with more significant digits would lose exactness as `amount_float` (a JSON number). */
const maxAmount = 999_999_999_999_999;

/**
 * Commerce Layer's rate limits for uncacheable endpoints (refunds and captures are not on the docs'
 * cacheable list), per environment: `average` over one minute summed across a class's endpoints, reads
 * and writes counted apart, and `burst` over 10 s per endpoint (docs: core/rate-limits; numbers as in
 * `@commercelayer/sdk-utils` `rate_limit.ts`; that writes share them comes from a third-party summary).
 * The `X-Ratelimit-*` headers describe the average limit, as sdk-utils reads them.
 */
const rateLimits = { test: { average: 100, burst: 25 }, live: { average: 200, burst: 50 } };
const averageWindowMs = 60_000;
const burstWindowMs = 10_000;

interface Order {
  id: string;
  number: string;
  currency: string;
  /** Transactions numbered so far: `<order number>/T/001`, `/T/002`, … */
  transactions: number;
  /** Returns numbered so far: `#<order number>/R/001`, … */
  returns: number;
  captures: Capture[];
  createdAt: string;
  updatedAt: string;
  reference: string | null;
  referenceOrigin: string | null;
  metadata: Json | null;
}

interface ReturnRecord {
  id: string;
  order: Order;
  capture: Capture;
  number: string;
  status: ReturnStatus;
  /** `estimated_refund_amount_cents`. */
  estimate: number;
  /** When each status was reached (`approved_at`, …), and `archived_at`. */
  times: Partial<
    Record<'approved' | 'cancelled' | 'shipped' | 'rejected' | 'received' | 'refunded' | 'archived', string>
  >;
  refund: Refund | null;
  createdAt: string;
  updatedAt: string;
  reference: string | null;
  referenceOrigin: string | null;
  metadata: Json | null;
}

interface Capture {
  id: string;
  order: Order;
  number: string;
  currency: string;
  exponent: number;
  amount: number;
  declineRefunds: boolean;
  succeeded: boolean;
  token: string;
  gatewayTransactionId: string;
  reference: string | null;
  referenceOrigin: string | null;
  metadata: Json | null;
  createdAt: string;
  updatedAt: string;
  refunds: Refund[];
}

interface Refund {
  id: string;
  /** Creation order, the tie-breaker of sorts. */
  sequence: number;
  capture: Capture;
  number: string;
  amount: number;
  succeeded: boolean;
  message: string | null;
  errorCode: string | null;
  errorDetail: string | null;
  token: string | null;
  createdAt: string;
  updatedAt: string;
  reference: string | null;
  referenceOrigin: string | null;
  metadata: Json | null;
  /** The return whose `_refund` trigger made it, if any. */
  return: ReturnRecord | null;
}

type Node =
  | { type: 'refunds'; refund: Refund }
  | { type: 'captures'; capture: Capture }
  | { type: 'orders'; order: Order }
  | { type: 'returns'; ret: ReturnRecord };
type IncludeTree = Map<string, IncludeTree>;
type Fieldsets = Partial<Record<'refunds' | 'captures', Set<string>>>;

/** One JSON:API error object; `status` is added as a string, as Commerce Layer sends it. */
interface ApiError {
  title: string;
  detail: string;
  code: string;
  source?: { pointer?: string; parameter?: string };
  meta?: Json;
}

function errors(status: number, list: ApiError[], headers?: Record<string, string>): SandboxResponse {
  const body = {
    errors: list.map(({ meta, ...error }) => ({
      ...error,
      status: String(status),
      ...(meta ? { meta } : {}),
    })),
  };
  return headers ? { status, headers, body } : { status, body };
}

/** Thrown by a handler's helpers to answer with an error document. */
class Rejection {
  constructor(readonly response: SandboxResponse) {}
}

function guard(handler: (request: OperationRequest) => SandboxResponse) {
  return (request: OperationRequest): SandboxResponse => {
    try {
      const response = handler(request);
      // A sparse fieldset leaves out members the full-resource schemas require (JSON:API allows it).
      const sparse = [...request.query.keys()].some((name) => name.startsWith('fields['));
      return sparse ? { ...response, sparse } : response;
    } catch (caught) {
      if (caught instanceof Rejection) return caught.response;
      throw caught;
    }
  };
}

// The body the API sends for an invalid or revoked token (the API's answer recorded in
// commercelayer/commercelayer-js-auth packages/js-auth/src/revoke.spec.ts); the SDK refreshes on this code.
const invalidToken = () =>
  errors(401, [
    { title: 'Invalid token', detail: 'The access token you provided is invalid.', code: 'INVALID_TOKEN' },
  ]);

// A valid token without the permission for the action: code and detail as a sales-channel token listing
// orders got them (recorded in a Commerce Layer sample's `useGetToken.ts`); assumption: the title, which
// no source shows.
const accessDenied = () =>
  errors(401, [
    {
      title: 'Access denied',
      detail: 'You are not authorized to perform this action on the requested resource.',
      code: 'UNAUTHORIZED',
    },
  ]);

// Not documented beyond the status: the JSON:API error shape of every other 4xx.
const tooManyRequests = (detail: string) =>
  errors(429, [{ title: 'Too many requests', detail, code: 'TOO_MANY_REQUESTS' }]);

const recordNotFound = (id: string) =>
  errors(404, [
    {
      title: 'Record not found',
      detail: `The record identified by ${id} could not be found.`,
      code: 'RECORD_NOT_FOUND',
    },
  ]);

const badParameter = (code: string, title: string, detail: string, parameter: string) =>
  new Rejection(errors(400, [{ title, detail, code, source: { parameter } }]));

const notAllowed = (name: string, pointer: string) =>
  new Rejection(
    errors(400, [
      {
        title: 'Param not allowed',
        detail: `${name} is not allowed.`,
        code: 'PARAM_NOT_ALLOWED',
        source: { pointer },
      },
    ]),
  );

/**
 * The legacy `POST /refunds` (seed 000). Today's API has no create action for refunds (fact sheet §1:
 * the resource's actions are list, retrieve and update; the SDK has no `refunds.create`), so the real
 * API refuses the method on a path that exists for GET: 405, which the docs' status table lists
 * ("Method not allowed"). The spec documents only 201/401/406/415/422/429 for `createRefund`, so this
 * answer fails the engine's response check (a spec/behaviour mismatch, reported); no status the spec
 * documents describes "this endpoint does not exist". It is answered before credentials and body
 * checks, as a missing route would be.
 */
const methodNotAllowed = () =>
  errors(
    405,
    [
      {
        title: 'Method not allowed',
        detail:
          'POST is not allowed on /api/refunds: refunds are created with the `_refund` trigger of PATCH /api/captures/{id}.',
        code: 'METHOD_NOT_ALLOWED',
      },
    ],
    { allow: 'GET' },
  );

// Display formats of Commerce Layer's `formatted_*` attributes (Money gem defaults, e.g. "€15,00"); other
// currencies are written as "1,234.50 SEK", an approximation.
const displays: Record<string, { symbol: string; decimal: string; thousands: string }> = {
  EUR: { symbol: '€', decimal: ',', thousands: '.' },
  USD: { symbol: '$', decimal: '.', thousands: ',' },
  GBP: { symbol: '£', decimal: '.', thousands: ',' },
  JPY: { symbol: '¥', decimal: '.', thousands: ',' },
};

/** Exact display string of minor units (string arithmetic only). */
function formatAmount(cents: number, currency: string, exponent: number): string {
  const [whole = '0', fraction] = formatMinorUnits(cents, exponent).split('.');
  const display = displays[currency];
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, display?.thousands ?? ',');
  const amount = fraction === undefined ? grouped : `${grouped}${display?.decimal ?? '.'}${fraction}`;
  return display ? `${display.symbol}${amount}` : `${amount} ${currency}`;
}

// Field names per type (attributes and relationships), for sparse fieldsets and validation of `include`.
const refundAttributeNames = [
  'number',
  'type',
  'payment_method_type',
  'currency_code',
  'amount_cents',
  'amount_float',
  'formatted_amount',
  'succeeded',
  'message',
  'error_code',
  'error_detail',
  'token',
  'gateway_transaction_id',
  'created_at',
  'updated_at',
  'reference',
  'reference_origin',
  'metadata',
];
const captureAttributeNames = [
  ...refundAttributeNames,
  'refund_amount_cents',
  'refund_amount_float',
  'formatted_refund_amount',
  'refund_balance_cents',
  'refund_balance_float',
  'formatted_refund_balance',
];
/** Includable relationships (spec `RefundInclude` / `CaptureInclude`); `event_stores` is not includable. */
const includable: Record<'refunds' | 'captures', string[]> = {
  refunds: ['order', 'payment_source', 'attachments', 'events', 'reference_capture', 'return'],
  captures: [
    'order',
    'payment_source',
    'attachments',
    'events',
    'reference_authorization',
    'refunds',
    'return',
  ],
};
const fieldNames: Record<'refunds' | 'captures', Set<string>> = {
  refunds: new Set([...refundAttributeNames, ...includable.refunds, 'event_stores']),
  captures: new Set([...captureAttributeNames, ...includable.captures, 'event_stores']),
};
/**
 * Relationships the sandbox writes (with `links`, and `data` when included), as in the spec's examples.
 * The others (payment sources, attachments, events, authorizations, customers…) are not modelled:
 * including them is accepted and adds nothing.
 */
const emitted: Record<Node['type'], string[]> = {
  refunds: ['order', 'reference_capture', 'return'],
  captures: ['order', 'reference_authorization', 'refunds'],
  orders: ['captures', 'refunds'],
  returns: ['order', 'reference_capture', 'reference_refund'],
};
const targetType: Record<string, Node['type'] | undefined> = {
  'refunds.order': 'orders',
  'refunds.reference_capture': 'captures',
  'refunds.return': 'returns',
  'captures.order': 'orders',
  'captures.refunds': 'refunds',
  'orders.captures': 'captures',
  'orders.refunds': 'refunds',
  'returns.order': 'orders',
  'returns.reference_capture': 'captures',
  'returns.reference_refund': 'refunds',
};

/** Updatable attributes (spec `RefundUpdate` / `CaptureUpdate`); anything else is PARAM_NOT_ALLOWED. */
const refundUpdatable = new Set(['succeeded', '_forward', 'reference', 'reference_origin', 'metadata']);
const captureUpdatable = new Set([
  '_refund',
  '_refund_amount_cents',
  '_cancel',
  '_forward',
  'succeeded',
  'reference',
  'reference_origin',
  'metadata',
]);
/**
 * `OrderUpdate`: the spec models only the refund triggers of the official `orderUpdate`; the sandbox answers
 * its other attributes (checkout, approval…) with PARAM_NOT_ALLOWED, as it does not model them.
 */
const orderUpdatable = new Set(['_refund', '_refund_invoice', 'reference', 'reference_origin', 'metadata']);
/** `ReturnUpdate`, attributes and relationships. */
const returnUpdatable = new Set([
  '_request',
  '_approve',
  '_cancel',
  '_ship',
  '_reject',
  '_receive',
  '_restock',
  '_archive',
  '_unarchive',
  '_refund',
  '_refund_amount_cents',
  '_add_tags',
  '_remove_tags',
  'reference',
  'reference_origin',
  'metadata',
]);
const returnRelationships = new Set(['reference_capture', 'stock_location', 'tags']);
/**
 * The return status triggers: the status each needs and the one it leads to (the steps Commerce Layer's
 * dashboard offers, dashboard-apps `apps/returns/src/data/dictionaries.ts`; `_request` from the docs:
 * returns are created as drafts).
 */
const returnSteps: Record<string, [from: ReturnStatus, to: ReturnStatus]> = {
  _request: ['draft', 'requested'],
  _approve: ['requested', 'approved'],
  _cancel: ['requested', 'cancelled'],
  _ship: ['approved', 'shipped'],
  _reject: ['shipped', 'rejected'],
  _receive: ['shipped', 'received'],
};
/** The statuses a return records the time of (`approved_at`, …). */
const timedStatuses = new Set<string>([
  'approved',
  'cancelled',
  'shipped',
  'rejected',
  'received',
  'refunded',
]);

type Kind = 'string' | 'number' | 'boolean' | 'date';
/** Filterable and sortable refund attributes (fact sheet §2, resource metadata) with how to read them. */
const refundColumns: Record<string, { kind: Kind; read: (refund: Refund) => unknown }> = {
  id: { kind: 'string', read: (r) => r.id },
  number: { kind: 'string', read: (r) => r.number },
  type: { kind: 'string', read: () => 'refunds' },
  currency_code: { kind: 'string', read: (r) => r.capture.currency },
  amount_cents: { kind: 'number', read: (r) => r.amount },
  succeeded: { kind: 'boolean', read: (r) => r.succeeded },
  message: { kind: 'string', read: (r) => r.message },
  error_code: { kind: 'string', read: (r) => r.errorCode },
  error_detail: { kind: 'string', read: (r) => r.errorDetail },
  token: { kind: 'string', read: (r) => r.token },
  gateway_transaction_id: { kind: 'string', read: (r) => r.token },
  created_at: { kind: 'date', read: (r) => r.createdAt },
  updated_at: { kind: 'date', read: (r) => r.updatedAt },
  reference: { kind: 'string', read: (r) => r.reference },
  reference_origin: { kind: 'string', read: (r) => r.referenceOrigin },
  order_id: { kind: 'string', read: (r) => r.capture.order.id },
  reference_capture_id: { kind: 'string', read: (r) => r.capture.id },
  payment_source_id: { kind: 'string', read: () => null },
  return_id: { kind: 'string', read: (r) => r.return?.id ?? null },
};
const sortable = new Set([
  'id',
  'number',
  'type',
  'amount_cents',
  'created_at',
  'updated_at',
  'reference',
  'reference_origin',
  'order',
  'return',
]);

function comparable(kind: Kind, value: unknown): number | string | boolean {
  if (kind === 'number') return Number(value);
  if (kind === 'boolean') return value === true || value === 'true' || value === 't' || value === '1';
  if (kind === 'date') return Date.parse(String(value));
  return String(value);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

type Matcher = (value: unknown, argument: string, kind: Kind) => boolean;
const order = (kind: Kind, value: unknown, argument: string) =>
  compare(comparable(kind, value), comparable(kind, argument));
const among = (kind: Kind, value: unknown, argument: string) =>
  argument.split(',').some((item) => comparable(kind, item) === comparable(kind, value));
const text = (value: unknown) => String(value).toLowerCase();
const flag = (argument: string) => comparable('boolean', argument);

/** Ransack matchers the sandbox evaluates, longest suffix first so `not_eq` wins over `eq`. */
const matchers: [string, Matcher][] = [
  ['not_eq', (v, a, k) => v === null || order(k, v, a) !== 0],
  ['eq', (v, a, k) => v !== null && order(k, v, a) === 0],
  ['not_in', (v, a, k) => v === null || !among(k, v, a)],
  ['in', (v, a, k) => v !== null && among(k, v, a)],
  ['not_cont', (v, a) => v === null || !text(v).includes(a.toLowerCase())],
  ['cont', (v, a) => v !== null && text(v).includes(a.toLowerCase())],
  ['start', (v, a) => v !== null && text(v).startsWith(a.toLowerCase())],
  ['end', (v, a) => v !== null && text(v).endsWith(a.toLowerCase())],
  ['lteq', (v, a, k) => v !== null && order(k, v, a) <= 0],
  ['lt', (v, a, k) => v !== null && order(k, v, a) < 0],
  ['gteq', (v, a, k) => v !== null && order(k, v, a) >= 0],
  ['gt', (v, a, k) => v !== null && order(k, v, a) > 0],
  ['not_null', (v, a) => (v !== null) === flag(a)],
  ['null', (v, a) => (v === null) === flag(a)],
  ['present', (v, a) => (v !== null && v !== '') === flag(a)],
  ['blank', (v, a) => (v === null || v === '') === flag(a)],
  ['true', (v, a) => (v === true) === flag(a)],
  ['false', (v, a) => (v === false) === flag(a)],
];

/**
 * Applies `filter[q][…]` to refunds. Evaluated: `<attribute>_<matcher>` for the filterable refund
 * attributes and relationship ids above (attributes may be OR-ed: `reference_or_reference_origin_eq`), with
 * the matchers above; `metadata_jcont`; and the scopes `ids`, `created_at_from/_to`, `updated_at_from/_to`.
 * Ignored, as ransack ignores conditions it does not know: the `_any`/`_all` variants, `matches`,
 * `eq_or_null`, relationship attributes (`order_number_eq`), `attachments_id`/`events_id`, and predicates
 * with an empty value.
 */
function filterRefunds(refunds: Refund[], query: URLSearchParams): Refund[] {
  const tests: ((refund: Refund) => boolean)[] = [];
  for (const [key, argument] of query) {
    const found = /^filter\[q\]\[([a-z0-9_]+)\]$/.exec(key);
    if (!found || argument === '') continue;
    const predicate = found[1]!;
    if (predicate === 'ids') {
      const ids = new Set(argument.split(','));
      tests.push((refund) => ids.has(refund.id));
      continue;
    }
    const scope = /^(created_at|updated_at)_(from|to)$/.exec(predicate);
    if (scope) {
      const bound = Date.parse(argument);
      const column = refundColumns[scope[1]!]!;
      tests.push((refund) => {
        const value = Date.parse(String(column.read(refund)));
        return scope[2] === 'from' ? value >= bound : value <= bound;
      });
      continue;
    }
    if (predicate === 'metadata_jcont') {
      let wanted: unknown;
      try {
        wanted = JSON.parse(argument);
      } catch {
        wanted = undefined;
      }
      if (!wanted || typeof wanted !== 'object' || Array.isArray(wanted)) {
        throw badParameter(
          'INVALID_FILTER_VALUE',
          'Invalid filter value',
          `${argument} is not a JSON object.`,
          key,
        );
      }
      tests.push((refund) =>
        Object.entries(wanted as Json).every(
          ([name, value]) => JSON.stringify(refund.metadata?.[name]) === JSON.stringify(value),
        ),
      );
      continue;
    }
    const matcher = matchers.find(([name]) => predicate.endsWith(`_${name}`));
    if (!matcher) continue;
    const columns = predicate
      .slice(0, -(matcher[0].length + 1))
      .split('_or_')
      .map((name) => refundColumns[name]);
    if (columns.length === 0 || columns.some((column) => column === undefined)) continue;
    tests.push((refund) =>
      columns.some((column) => matcher[1](column!.read(refund), argument, column!.kind)),
    );
  }
  return refunds.filter((refund) => tests.every((test) => test(refund)));
}

/** `sort=-created_at,number`; default `created_at` ascending. Nulls sort last ascending, first descending. */
function sortRefunds(refunds: Refund[], sort: string | null): Refund[] {
  const keys = (sort ?? 'created_at').split(',').map((field) => {
    const name = field.replace(/^-/, '');
    if (!sortable.has(name)) {
      throw badParameter(
        'INVALID_SORT_CRITERIA',
        'Invalid sort criteria',
        `${name} is not a valid sort criteria for refunds`,
        'sort',
      );
    }
    const column = refundColumns[name === 'order' ? 'order_id' : name === 'return' ? 'return_id' : name]!;
    return { column, direction: field.startsWith('-') ? -1 : 1 };
  });
  const first = keys[0]!.direction;
  return [...refunds].sort((a, b) => {
    for (const { column, direction } of keys) {
      const [x, y] = [column.read(a), column.read(b)];
      if (x === null || y === null) {
        if (x !== y) return (x === null ? 1 : -1) * direction;
        continue;
      }
      const result = compare(comparable(column.kind, x), comparable(column.kind, y));
      if (result !== 0) return result * direction;
    }
    return (a.sequence - b.sequence) * first;
  });
}

/** `include=reference_capture.order,order` → a tree of relationship names, checked against each type. */
function parseInclude(include: string | null, primary: Node['type']): IncludeTree | undefined {
  if (include === null) return undefined;
  const tree: IncludeTree = new Map();
  for (const path of include.split(',')) {
    let node = tree;
    let type: Node['type'] | undefined = primary;
    for (const name of path.split('.')) {
      if (type === 'refunds' || type === 'captures') {
        if (!includable[type].includes(name)) {
          throw badParameter(
            'INVALID_INCLUDE',
            'Invalid include',
            `${name} is not a valid includable relationship of ${type}`,
            'include',
          );
        }
      }
      // Relationships of orders, returns and unmodelled resources are not checked.
      type = type === undefined ? undefined : targetType[`${type}.${name}`];
      if (!node.has(name)) node.set(name, new Map());
      node = node.get(name)!;
    }
  }
  return tree;
}

function parseFieldsets(query: URLSearchParams): Fieldsets {
  const fieldsets: Fieldsets = {};
  for (const type of ['refunds', 'captures'] as const) {
    const parameter = `fields[${type}]`;
    const value = query.get(parameter);
    if (value === null) continue;
    const names = new Set(value.split(','));
    for (const name of names) {
      if (!fieldNames[type].has(name)) {
        throw badParameter(
          'INVALID_FIELD',
          'Invalid field',
          `${name} is not a valid field for ${type}.`,
          parameter,
        );
      }
    }
    fieldsets[type] = names;
  }
  return fieldsets;
}

/**
 * JSON:API content negotiation (fact sheet §2; JSON:API v1.0): an `Accept` without the JSON:API media type
 * (unparameterised) or `*∕*` gets 406. A missing `Accept` is taken as `*∕*`.
 */
function negotiate(headers: Headers): void {
  const accept = headers.get('accept');
  if (accept === null || accept.trim() === '') return;
  const types = accept.split(',').map((type) => type.trim().toLowerCase());
  if (types.some((type) => type === jsonApi || type.startsWith('*/*'))) return;
  throw new Rejection(
    errors(406, [
      {
        title: 'Not acceptable',
        detail: `All requests must use the '${jsonApi}' Accept without media type parameters. This request specified '${accept}'.`,
        code: 'NOT_ACCEPTABLE',
      },
    ]),
  );
}

/** Rails-style wording of an Ajv message, for `VALIDATION_ERROR`s: title and `meta`. */
function describeViolation(message: string): { title: string; meta: Json; property?: string } {
  let found = /^must have required property '(.+)'$/.exec(message);
  if (found) return { title: "can't be blank", meta: { error: 'blank' }, property: found[1]! };
  found = /^must be >= (\S+)$/.exec(message);
  if (found) {
    return {
      title: `must be greater than or equal to ${found[1]}`,
      meta: { error: 'greater_than_or_equal_to', count: Number(found[1]) },
    };
  }
  found = /^must be <= (\S+)$/.exec(message);
  if (found) {
    return {
      title: `must be less than or equal to ${found[1]}`,
      meta: { error: 'less_than_or_equal_to', count: Number(found[1]) },
    };
  }
  found = /^must NOT have fewer than (\d+) characters$/.exec(message);
  if (found) {
    return {
      title: `is too short (minimum is ${found[1]} characters)`,
      meta: { error: 'too_short', count: Number(found[1]) },
    };
  }
  if (/^must be equal to (constant|one of the allowed values)$/.test(message)) {
    return { title: 'is not included in the list', meta: { error: 'inclusion' } };
  }
  return { title: 'is invalid', meta: { error: 'invalid' } };
}

const queryParameterCodes: [RegExp, string, string][] = [
  [/^page\[/, 'INVALID_PAGE_VALUE', 'Invalid page value'],
  [/^sort$/, 'INVALID_SORT_CRITERIA', 'Invalid sort criteria'],
  [/^include$/, 'INVALID_INCLUDE', 'Invalid include'],
  [/^fields\[/, 'INVALID_FIELD', 'Invalid field'],
  [/^filter\[/, 'INVALID_FILTER_VALUE', 'Invalid filter value'],
];

/**
 * The answer to requests the engine finds breaking the spec (fact sheet §2 and §4): a body with another
 * Content-Type → 415 UNSUPPORTED_MEDIA_TYPE; an unparsable or missing body → 400; a bad query parameter
 * → 400 with the jsonapi-resources code for it (`INVALID_PAGE_VALUE`, …); a body that breaks the schema
 * → 422 VALIDATION_ERROR, one error per violation with its `source.pointer`.
 */
function invalidRequest(violations: string[], operationId: string): SandboxResponse {
  if (operationId === 'createRefund') return methodNotAllowed();
  for (const violation of violations) {
    const found = /^request Content-Type "(.*)" is not one of /.exec(violation);
    if (found) {
      return errors(415, [
        {
          title: 'Unsupported media type',
          detail: `All requests that create or update must use the '${jsonApi}' Content-Type. This request specified '${found[1]}'.`,
          code: 'UNSUPPORTED_MEDIA_TYPE',
        },
      ]);
    }
  }
  const badRequest: ApiError[] = [];
  const invalid: ApiError[] = [];
  for (const violation of violations) {
    const parameter = /^query parameter "([^"]+)" (.+)$/.exec(violation);
    const body = /^request body(\/\S*)? (.+)$/.exec(violation);
    if (parameter) {
      const [, code, title] = queryParameterCodes.find(([pattern]) => pattern.test(parameter[1]!)) ?? [
        undefined,
        'PARAM_NOT_ALLOWED',
        'Param not allowed',
      ];
      badRequest.push({
        title,
        detail: `${parameter[1]} ${parameter[2]}`,
        code,
        source: { parameter: parameter[1]! },
      });
    } else if (violation === 'request body is required') {
      badRequest.push({
        title: 'Missing Parameter',
        detail: 'The required parameter, data, is missing.',
        code: 'PARAM_MISSING',
        source: { pointer: '/data' },
      });
    } else if (violation === 'request body is not valid JSON') {
      badRequest.push({
        title: 'Bad request',
        detail: 'The request body is not valid JSON.',
        code: 'INVALID_DATA_FORMAT',
      });
    } else if (body) {
      const { title, meta, property } = describeViolation(body[2]!);
      const pointer = `${body[1] ?? ''}${property ? `/${property}` : ''}` || '/data';
      if (invalid.some((error) => error.source?.pointer === pointer)) continue;
      const name = pointer.split('/').at(-1)!;
      invalid.push({
        title,
        detail: `${name} - ${title}`,
        code: 'VALIDATION_ERROR',
        source: { pointer },
        meta,
      });
    } else {
      badRequest.push({ title: 'Bad request', detail: violation, code: 'BAD_REQUEST' });
    }
  }
  return badRequest.length > 0 ? errors(400, badRequest) : errors(422, invalid);
}

/**
 * An in-memory Commerce Layer organization (test mode). `createPayment` seeds a succeeded capture of an
 * order; `PATCH /captures/{id}` with `_refund: true` (and optionally `_refund_amount_cents`) creates a
 * refund against its `refund_balance_cents`, 422 beyond it; refunds are listed, filtered, sorted and
 * paginated as JSON:API documents, retrieved and updated. Every request and response is validated
 * against `specs/commercelayer.yaml`.
 */
export function createCommercelayerSandbox(options: CommercelayerSandboxOptions = {}): CommercelayerSandbox {
  const orders = new Map<string, Order>();
  const captures = new Map<string, Capture>();
  const refunds = new Map<string, Refund>();
  const returns = new Map<string, ReturnRecord>();
  // Set up with the sandbox's tools (ids, clock) when `createSandbox` runs its definition.
  let seedReturn!: CommercelayerSandbox['createReturn'];
  const { tokenLifetime = 7200, mode = 'test', enforceRateLimits = false } = options;
  if (!Number.isSafeInteger(tokenLifetime) || tokenLifetime <= 0)
    throw new TypeError(
      'createCommercelayerSandbox: "tokenLifetime" must be a positive whole number of seconds',
    );
  if (mode !== 'test' && mode !== 'live')
    throw new TypeError('createCommercelayerSandbox: "mode" must be "test" or "live"');
  let issueAccessToken!: CommercelayerSandbox['issueAccessToken'];

  const sandbox = createSandbox(options, (tools) => {
    const organization = 'sandbox';
    const organizationId = tools.randomId(10);
    const encode = (value: Json) =>
      btoa(JSON.stringify(value)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    /** The tokens issued: when each expires (ms, sandbox clock) and its role. Never forgotten. */
    const grants = new Map<string, { expiresAt: number; role: 'admin' | 'read_only' }>();
    // JWT-shaped like Commerce Layer's integration tokens (claims as js-auth's `JWTIntegration`: the SDK
    // reads the organization, the domain from `iss` and `exp` to decide on a refresh); the signature is
    // random and never checked: only the tokens issued here are accepted.
    issueAccessToken = ({ expiresIn = tokenLifetime, role = 'admin' } = {}) => {
      if (!Number.isSafeInteger(expiresIn))
        throw new TypeError('issueAccessToken: "expiresIn" must be a whole number of seconds');
      if (role !== 'admin' && role !== 'read_only')
        throw new TypeError('issueAccessToken: "role" must be "admin" or "read_only"');
      const issuedAt = Math.floor(tools.now().getTime() / 1000);
      const token = [
        encode({ alg: 'HS512', typ: 'JWT' }),
        encode({
          organization: { id: organizationId, slug: organization, enterprise: false, region: 'eu-west-1' },
          application: { id: tools.randomId(10), kind: 'integration', public: false },
          scope: 'market:all',
          exp: issuedAt + expiresIn,
          test: mode === 'test',
          iat: issuedAt,
          iss: 'https://auth.commercelayer.io',
        }),
        tools.randomId(86, base64url),
      ].join('.');
      grants.set(token, { expiresAt: (issuedAt + expiresIn) * 1000, role });
      return token;
    };
    const accessToken = issueAccessToken();
    /** The grant of the request's bearer token, unless it is missing, unknown or expired. */
    const grantOf = (headers: Headers) => {
      const token = /^Bearer\s+(\S+)$/i.exec(headers.get('authorization') ?? '')?.[1];
      const grant = token === undefined ? undefined : grants.get(token);
      return grant && tools.now().getTime() < grant.expiresAt ? grant : undefined;
    };

    // Sliding windows of request times (sandbox clock), per class and per class and endpoint; each keeps
    // only its latest `limit` times, all a sliding-window count up to the limit needs.
    const windows = new Map<string, number[]>();
    const recent = (key: string, windowMs: number, limit: number, time: number) => {
      const times = (windows.get(key) ?? []).filter((at) => at > time - windowMs).slice(-limit);
      windows.set(key, times);
      return times;
    };
    function meter({ method, path }: { method: string; path: string }) {
      const limits = rateLimits[mode];
      const time = tools.now().getTime();
      const kind = method === 'GET' ? 'read' : 'write';
      // Assumption: an endpoint is a resource collection (`/refunds`, `/captures` and their items).
      const average = recent(kind, averageWindowMs, limits.average, time);
      const burst = recent(`${kind} ${path.split('/')[1]}`, burstWindowMs, limits.burst, time);
      const over =
        average.length >= limits.average ? 'average' : burst.length >= limits.burst ? 'burst' : undefined;
      const refused = enforceRateLimits && over !== undefined;
      // Assumption: refused requests are not counted (the docs: blocked until the rate drops below the limit).
      if (!refused) {
        average.push(time);
        burst.push(time);
      }
      const headers = {
        'x-ratelimit-limit': String(limits.average),
        'x-ratelimit-interval': String(averageWindowMs / 1000),
        'x-ratelimit-remaining': String(Math.max(0, limits.average - average.length)),
      };
      if (!refused) return { headers };
      return {
        headers,
        refused: tooManyRequests(`The ${over} rate limit for ${kind} requests was exceeded.`),
      };
    }
    const now = () => tools.now().toISOString();

    function uniqueId(taken: Map<string, unknown>): string {
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const id = tools.randomId(10);
        if (!taken.has(id)) return id;
      }
      throw new Error('The sandbox ran out of ids');
    }

    const transactionNumber = (order: Order) => {
      order.transactions += 1;
      return `${order.number}/T/${String(order.transactions).padStart(3, '0')}`;
    };

    const refunded = (capture: Capture) =>
      capture.refunds.reduce((sum, refund) => (refund.succeeded ? sum + refund.amount : sum), 0);

    function refundAttributes(refund: Refund): RefundAttributes {
      const { capture } = refund;
      return {
        number: refund.number,
        type: 'refunds',
        payment_method_type: 'credit card',
        currency_code: capture.currency,
        amount_cents: refund.amount,
        amount_float: minorUnitsToDecimal(refund.amount, capture.exponent),
        formatted_amount: formatAmount(refund.amount, capture.currency, capture.exponent),
        succeeded: refund.succeeded,
        message: refund.message,
        error_code: refund.errorCode,
        error_detail: refund.errorDetail,
        token: refund.token,
        gateway_transaction_id: refund.token,
        created_at: refund.createdAt,
        updated_at: refund.updatedAt,
        reference: refund.reference,
        reference_origin: refund.referenceOrigin,
        metadata: refund.metadata,
      };
    }

    function captureAttributes(capture: Capture): CaptureAttributes {
      const { currency, exponent } = capture;
      const refundAmount = refunded(capture);
      const balance = capture.amount - refundAmount;
      return {
        number: capture.number,
        type: 'captures',
        payment_method_type: 'credit card',
        currency_code: currency,
        amount_cents: capture.amount,
        amount_float: minorUnitsToDecimal(capture.amount, exponent),
        formatted_amount: formatAmount(capture.amount, currency, exponent),
        succeeded: capture.succeeded,
        message: 'Accepted',
        error_code: null,
        error_detail: null,
        token: capture.token,
        gateway_transaction_id: capture.gatewayTransactionId,
        created_at: capture.createdAt,
        updated_at: capture.updatedAt,
        reference: capture.reference,
        reference_origin: capture.referenceOrigin,
        metadata: capture.metadata,
        // "The amount to be refunded" is undocumented beyond the docs' example (500 of 1500 refunded →
        // 500, balance 1000); modelled as the sum of the succeeded refunds.
        refund_amount_cents: refundAmount,
        refund_amount_float: minorUnitsToDecimal(refundAmount, exponent),
        formatted_refund_amount: formatAmount(refundAmount, currency, exponent),
        refund_balance_cents: balance,
        refund_balance_float: minorUnitsToDecimal(balance, exponent),
        formatted_refund_balance: formatAmount(balance, currency, exponent),
      };
    }

    const identify = (node: Node) => ({
      type: node.type,
      id:
        node.type === 'refunds'
          ? node.refund.id
          : node.type === 'captures'
            ? node.capture.id
            : node.type === 'orders'
              ? node.order.id
              : node.ret.id,
    });

    const refundNode = (refund: Refund) => ({ type: 'refunds', refund }) as const;
    const returnNode = (ret: ReturnRecord | null) => (ret ? ({ type: 'returns', ret } as const) : null);
    /** Every refund of an order's captures, oldest first. */
    const orderRefunds = (order: Order) =>
      order.captures.flatMap((capture) => capture.refunds).sort((a, b) => a.sequence - b.sequence);

    /**
     * The modelled related resources of a node: one, many, `null` for an empty to-one relationship, or
     * `undefined` when not modelled.
     */
    function related(node: Node, name: string): Node | Node[] | null | undefined {
      if (node.type === 'refunds') {
        if (name === 'order') return { type: 'orders', order: node.refund.capture.order };
        if (name === 'reference_capture') return { type: 'captures', capture: node.refund.capture };
        if (name === 'return') return returnNode(node.refund.return);
      } else if (node.type === 'captures') {
        if (name === 'order') return { type: 'orders', order: node.capture.order };
        if (name === 'refunds') return node.capture.refunds.map(refundNode);
      } else if (node.type === 'orders') {
        if (name === 'captures')
          return node.order.captures.map((capture) => ({ type: 'captures', capture }) as const);
        if (name === 'refunds') return orderRefunds(node.order).map(refundNode);
      } else {
        if (name === 'order') return { type: 'orders', order: node.ret.order };
        if (name === 'reference_capture') return { type: 'captures', capture: node.ret.capture };
        if (name === 'reference_refund') return node.ret.refund ? refundNode(node.ret.refund) : null;
      }
      return undefined;
    }

    /** `paid` until a refund succeeds, `refunded` once nothing is left on any capture. */
    function paymentStatus(order: Order): CommercelayerOrder['attributes']['payment_status'] {
      const refundedAny = order.captures.some((capture) => refunded(capture) > 0);
      if (!refundedAny) return 'paid';
      return order.captures.every((capture) => refunded(capture) === capture.amount)
        ? 'refunded'
        : 'partially_refunded';
    }

    function orderAttributes(order: Order): CommercelayerOrder['attributes'] {
      const total = order.captures.reduce((sum, capture) => sum + capture.amount, 0);
      const exponent = currencyExponent(order.currency)!;
      return {
        number: order.number,
        // Seeded orders are captured, so approved (and fulfilled: the dashboard refunds only those).
        status: 'approved',
        payment_status: paymentStatus(order),
        fulfillment_status: 'fulfilled',
        currency_code: order.currency,
        // The sandbox's orders are worth what was captured of them.
        total_amount_cents: total,
        total_amount_float: minorUnitsToDecimal(total, exponent),
        formatted_total_amount: formatAmount(total, order.currency, exponent),
        created_at: order.createdAt,
        updated_at: order.updatedAt,
        reference: order.reference,
        reference_origin: order.referenceOrigin,
        metadata: order.metadata,
      };
    }

    function returnAttributes(ret: ReturnRecord): CommercelayerReturn['attributes'] {
      const { currency, exponent } = ret.capture;
      const at = (status: keyof ReturnRecord['times']) => ret.times[status] ?? null;
      return {
        number: ret.number,
        status: ret.status,
        customer_email: null,
        skus_count: 1,
        approved_at: at('approved'),
        cancelled_at: at('cancelled'),
        shipped_at: at('shipped'),
        rejected_at: at('rejected'),
        received_at: at('received'),
        refunded_at: at('refunded'),
        archived_at: at('archived'),
        estimated_refund_amount_cents: ret.estimate,
        estimated_refund_amount_float: minorUnitsToDecimal(ret.estimate, exponent),
        formatted_estimated_refund_amount: formatAmount(ret.estimate, currency, exponent),
        created_at: ret.createdAt,
        updated_at: ret.updatedAt,
        reference: ret.reference,
        reference_origin: ret.referenceOrigin,
        metadata: ret.metadata,
      };
    }

    interface Shape {
      /** The API base URL as the caller sees it, for absolute links. */
      base: string;
      include: IncludeTree | undefined;
      fields: Fieldsets;
    }

    function render(node: Node, include: IncludeTree | undefined, shape: Shape): Json {
      const { type, id } = identify(node);
      const self = `${shape.base}/${type}/${id}`;
      const meta = { mode, organization_id: organizationId };
      // Sparse fieldsets are modelled for refunds and captures only.
      const fields =
        node.type === 'refunds' || node.type === 'captures' ? shape.fields[node.type] : undefined;
      let attributes: Json =
        node.type === 'refunds'
          ? refundAttributes(node.refund)
          : node.type === 'captures'
            ? captureAttributes(node.capture)
            : node.type === 'orders'
              ? orderAttributes(node.order)
              : returnAttributes(node.ret);
      if (fields)
        attributes = Object.fromEntries(Object.entries(attributes).filter(([name]) => fields.has(name)));
      const relationships: Json = {};
      for (const name of emitted[node.type]) {
        if (fields && !fields.has(name)) continue;
        const relationship: Json = {
          links: { self: `${self}/relationships/${name}`, related: `${self}/${name}` },
        };
        const target = include?.has(name) ? related(node, name) : undefined;
        if (target !== undefined)
          relationship.data =
            target === null ? null : Array.isArray(target) ? target.map(identify) : identify(target);
        relationships[name] = relationship;
      }
      // A sparse fieldset leaves out what was not asked for (JSON:API), even the members the spec requires.
      return {
        id,
        type,
        links: { self },
        ...(fields && Object.keys(attributes).length === 0 ? {} : { attributes }),
        ...(fields && Object.keys(relationships).length === 0 ? {} : { relationships }),
        meta,
      };
    }

    /** A JSON:API document: primary data, plus `included` (deduplicated, without primary resources). */
    function document(primary: Node | Node[], shape: Shape): Json {
      const list = Array.isArray(primary) ? primary : [primary];
      const key = (node: Node) => `${identify(node).type}:${identify(node).id}`;
      const primaryKeys = new Set(list.map(key));
      const included = new Map<string, Json>();
      const walk = (node: Node, tree: IncludeTree) => {
        for (const [name, subtree] of tree) {
          const target = related(node, name);
          for (const child of target == null ? [] : Array.isArray(target) ? target : [target]) {
            if (!primaryKeys.has(key(child))) {
              const rendered = render(child, subtree, shape);
              const existing = included.get(key(child));
              if (!existing) included.set(key(child), rendered);
              else {
                // Reached again through another path: keep the relationship data both paths asked for.
                for (const [relationship, value] of Object.entries((rendered.relationships ?? {}) as Json)) {
                  const data = (value as Json).data;
                  const into = (existing.relationships as Json | undefined)?.[relationship] as
                    | Json
                    | undefined;
                  if (data !== undefined && into) into.data = data;
                }
              }
            }
            walk(child, subtree);
          }
        }
      };
      const data = list.map((node) => render(node, shape.include, shape));
      if (shape.include) for (const node of list) walk(node, shape.include);
      return {
        data: Array.isArray(primary) ? data : data[0],
        ...(shape.include ? { included: [...included.values()] } : {}),
      };
    }

    function shapeOf(
      query: URLSearchParams,
      headers: Headers,
      baseUrl: string,
      primary: Node['type'],
    ): Shape {
      negotiate(headers);
      return {
        base: baseUrl,
        include: parseInclude(query.get('include'), primary),
        fields: parseFieldsets(query),
      };
    }

    /** A page of refunds: filtered, sorted, `page[number]`/`page[size]` (default 1 and 10, at most 25). */
    function listPage(all: Refund[], query: URLSearchParams, shape: Shape, path: string): SandboxResponse {
      const matching = sortRefunds(filterRefunds(all, query), query.get('sort'));
      const { size, number, list } = pageOf(matching, query, shape.base, path);
      const body = document(matching.slice((number - 1) * size, number * size).map(refundNode), shape);
      return { status: 200, body: { ...body, ...list } };
    }

    /** `page[number]`/`page[size]` (default 1 and 10) of `all`, and the list's `meta` and `links`. */
    function pageOf(all: readonly unknown[], query: URLSearchParams, base: string, path: string) {
      const size = Number(query.get('page[size]') ?? 10);
      const number = Number(query.get('page[number]') ?? 1);
      const pageCount = Math.ceil(all.length / size);
      // Pagination links keep the request's other parameters (filters, sort, include, fields). The page
      // brackets are written unencoded, as in the docs' examples (`?page[number]=2&page[size]=10`).
      const kept = new URLSearchParams([...query].filter(([name]) => !name.startsWith('page[')));
      const link = (target: number) =>
        `${base}${path}?page[number]=${target}&page[size]=${size}${kept.size > 0 ? `&${kept}` : ''}`;
      const list = {
        meta: { record_count: all.length, page_count: pageCount },
        links: {
          first: link(1),
          ...(number > 1 ? { prev: link(number - 1) } : {}),
          ...(number < pageCount ? { next: link(number + 1) } : {}),
          last: link(Math.max(pageCount, 1)),
        },
      };
      return { size, number, list };
    }

    /** Checks `data.id` against the URL and the attribute and relationship names against what is updatable. */
    function checkUpdate(
      urlId: string,
      data: { id: string; attributes: Json; relationships?: unknown },
      updatable: Set<string>,
      relationshipsUpdatable: ReadonlySet<string> = new Set(),
    ) {
      if (data.id !== urlId) {
        throw new Rejection(
          errors(400, [
            {
              title: 'Key is not included in URL',
              detail: `The URL does not support the key ${data.id}`,
              code: 'KEY_NOT_INCLUDED_IN_URL',
            },
          ]),
        );
      }
      for (const name of Object.keys(data.attributes)) {
        if (!updatable.has(name)) throw notAllowed(name, `/data/attributes/${name}`);
      }
      const relationships = data.relationships;
      if (relationships && typeof relationships === 'object') {
        const name = Object.keys(relationships).find((name) => !relationshipsUpdatable.has(name));
        if (name !== undefined) throw notAllowed(name, `/data/relationships/${name}`);
      }
    }

    const validationError = (name: string, title: string, meta: Json, pointer = `/data/attributes/${name}`) =>
      new Rejection(
        errors(422, [
          { title, detail: `${name} - ${title}`, code: 'VALIDATION_ERROR', source: { pointer }, meta },
        ]),
      );
    const amountError = (title: string, meta: Json) => validationError('_refund_amount_cents', title, meta);

    /**
     * A `_refund` trigger: a refund of `requested`, or of the capture's whole refundable balance, checked
     * against that balance; `ret` is the return whose trigger it is, if any.
     */
    function refundCapture(
      capture: Capture,
      requested: number | undefined,
      ret: ReturnRecord | null = null,
    ): Refund {
      const balance = capture.amount - refunded(capture);
      const amount = requested ?? balance;
      if (amount > balance) {
        throw amountError(`must be less than or equal to ${balance}`, {
          error: 'less_than_or_equal_to',
          value: amount,
          count: balance,
        });
      }
      if (amount <= 0)
        throw amountError('must be greater than 0', { error: 'greater_than', value: amount, count: 0 });
      const time = now();
      const declined = capture.declineRefunds;
      const refund: Refund = {
        id: uniqueId(refunds),
        sequence: refunds.size,
        capture,
        number: transactionNumber(capture.order),
        amount,
        succeeded: !declined,
        message: declined ? 'Refund declined' : 'Accepted',
        errorCode: declined ? 'refund_declined' : null,
        errorDetail: declined ? 'The test gateway declined the refund.' : null,
        token: declined ? null : `re_${tools.randomId(24)}`,
        createdAt: time,
        updatedAt: time,
        reference: null,
        referenceOrigin: null,
        metadata: {},
        return: ret,
      };
      refunds.set(refund.id, refund);
      capture.refunds.push(refund);
      return refund;
    }

    /** The record with this id, or a 404 `RECORD_NOT_FOUND` answer. */
    function find<T>(records: Map<string, T>, id: string): T {
      const record = records.get(id);
      if (record === undefined) throw new Rejection(recordNotFound(id));
      return record;
    }
    const findCapture = (id: string) => find(captures, id);

    /** A page of a related resource the sandbox stores none of (attachments, events): always empty. */
    const emptyPage = (query: URLSearchParams, headers: Headers, baseUrl: string, path: string) => {
      negotiate(headers);
      return { status: 200, body: { data: [], ...pageOf([], query, baseUrl, path).list } };
    };

    const notRefundable = (name: string, title: string) =>
      validationError(name, title, { error: 'not_refundable' });

    seedReturn = (given) => {
      const input = (given ?? {}) as Partial<Record<keyof CommercelayerReturnInput, unknown>>;
      const capture = typeof input.capture === 'string' ? captures.get(input.capture) : undefined;
      if (!capture)
        throw new TypeError('createReturn: "capture" must be the id of a capture from createPayment');
      const { amount = capture.amount, status = 'received' } = input;
      if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0 || amount > maxAmount) {
        throw new TypeError(
          `createReturn: "amount" must be a positive whole number of minor units, at most ${maxAmount}`,
        );
      }
      const statuses = ['draft', 'requested', 'approved', 'cancelled', 'shipped', 'rejected', 'received'];
      if (typeof status !== 'string' || !statuses.includes(status)) {
        throw new TypeError(`createReturn: "status" must be one of ${statuses.join(', ')}`);
      }
      const { order } = capture;
      const time = now();
      order.returns += 1;
      const ret: ReturnRecord = {
        id: uniqueId(returns),
        order,
        capture,
        number: `#${order.number}/R/${String(order.returns).padStart(3, '0')}`,
        status: status as ReturnStatus,
        estimate: amount,
        times: {},
        refund: null,
        createdAt: time,
        updatedAt: time,
        reference: null,
        referenceOrigin: null,
        metadata: {},
      };
      // The steps that led to the seeded status each have their time (`approved_at`, `shipped_at`, …).
      for (let at: string | undefined = status; at !== undefined; ) {
        if (timedStatuses.has(at)) ret.times[at as keyof ReturnRecord['times']] = time;
        at = Object.values(returnSteps).find(([, to]) => to === at)?.[0];
      }
      returns.set(ret.id, ret);
      return ret.id;
    };

    /**
     * The order's `_refund` ("refund a captured order"): as the dashboard offers it, only while the order
     * is paid or partially refunded (seeded orders are approved); it refunds the whole balance left on the
     * newest capture that has one (an assumption: the amount is not documented). 422 with nothing left.
     */
    function refundOrder(order: Order): Refund {
      const capture = order.captures.findLast((each) => each.succeeded && each.amount > refunded(each));
      if (!capture) throw notRefundable('_refund', 'cannot be refunded: nothing captured is left to refund');
      return refundCapture(capture, undefined);
    }

    /**
     * `PATCH /returns/{id}`: the status steps, then `_refund`, checked in full before anything changes.
     * `_refund` needs a received return (as the dashboard offers it); it refunds `_refund_amount_cents` or
     * else the return's estimate (an assumption) from the reference capture's balance, links the refund
     * and the return both ways, and moves the return to `refunded` when the gateway accepts it (a declined
     * refund leaves it `received`, its `reference_refund` showing the decline). `_restock`, `_add_tags`,
     * `_remove_tags` and the `stock_location` and `tags` relationships have no effect.
     */
    function updateReturnRecord(ret: ReturnRecord, data: CommercelayerReturnUpdate['data']): void {
      const { attributes, relationships } = data;
      let capture = ret.capture;
      const linked = relationships?.reference_capture?.data;
      if (linked) {
        const chosen = linked.type === 'captures' ? captures.get(linked.id) : undefined;
        if (!chosen || chosen.order !== ret.order || !chosen.succeeded) {
          throw validationError(
            'reference_capture',
            'must be a succeeded capture of the return order',
            { error: 'invalid' },
            '/data/relationships/reference_capture',
          );
        }
        capture = chosen;
      }
      let status = ret.status;
      const reached: ReturnStatus[] = [];
      for (const [name, [from, to]] of Object.entries(returnSteps)) {
        if ((attributes as Json)[name] !== true) continue;
        if (status !== from)
          throw validationError(name, `cannot transition from ${status} to ${to}`, {
            error: 'invalid_transition',
          });
        status = to;
        reached.push(to);
      }
      let refund: Refund | undefined;
      if (attributes._refund === true) {
        if (status !== 'received')
          throw validationError('_refund', `cannot transition from ${status} to refunded`, {
            error: 'invalid_transition',
          });
        refund = refundCapture(capture, attributes._refund_amount_cents ?? ret.estimate, ret);
      }
      const time = now();
      if (refund) {
        ret.refund = refund;
        if (refund.succeeded) reached.push('refunded');
      }
      for (const to of reached) {
        ret.status = to;
        if (timedStatuses.has(to)) ret.times[to as keyof ReturnRecord['times']] = time;
      }
      ret.capture = capture;
      if (attributes._archive === true) ret.times.archived = time;
      if (attributes._unarchive === true) delete ret.times.archived;
      if (attributes.reference !== undefined) ret.reference = attributes.reference;
      if (attributes.reference_origin !== undefined) ret.referenceOrigin = attributes.reference_origin;
      if (attributes.metadata !== undefined) ret.metadata = attributes.metadata;
      ret.updatedAt = time;
    }

    return {
      provider: 'commercelayer',
      spec: commercelayerOpenApi,
      mediaType: jsonApi,
      credentials: { organization, accessToken },
      authenticate: (headers, { method }) => {
        const grant = grantOf(headers);
        return grant !== undefined && (grant.role === 'admin' || method === 'GET');
      },
      // Missing, malformed, unknown and expired tokens all get INVALID_TOKEN (assumption for the missing
      // and malformed ones: no source shows them); a valid token lacking the role gets UNAUTHORIZED.
      unauthorized: (operationId, headers) =>
        operationId === 'createRefund'
          ? methodNotAllowed()
          : grantOf(headers)
            ? accessDenied()
            : invalidToken(),
      meter,
      invalidRequest,
      // Not documented; the JSON:API error shape of every other 4xx.
      notFound: () =>
        errors(404, [
          { title: 'Not found', detail: 'The requested resource could not be found.', code: 'NOT_FOUND' },
        ]),
      // 405 is in the docs' status table and "all the 4xx responses include an error object"
      // (docs.commercelayer.io/developers/handling-errors); 413 is not documented: assumed the same.
      refused: (status, detail) =>
        errors(status, [
          status === 405
            ? { title: 'Method not allowed', detail, code: 'METHOD_NOT_ALLOWED' }
            : { title: 'Payload too large', detail, code: 'PAYLOAD_TOO_LARGE' },
        ]),
      faultBody: (status) => {
        if (status === 429) return tooManyRequests('Too many requests (sandbox fault).').body;
        const [title, code] =
          status === 503
            ? ['Service unavailable', 'SERVICE_UNAVAILABLE']
            : ['Internal server error', 'INTERNAL_SERVER_ERROR'];
        return errors(status, [{ title, detail: `${title} (sandbox fault).`, code }]).body;
      },
      createPayment(given) {
        const input = (given ?? {}) as Partial<Record<keyof CommercelayerPaymentInput, unknown>>;
        const { amount, currency } = input;
        if (
          typeof amount !== 'number' ||
          !Number.isSafeInteger(amount) ||
          amount <= 0 ||
          amount > maxAmount
        ) {
          throw new TypeError(
            `createPayment: "amount" must be a positive whole number of minor units, at most ${maxAmount}`,
          );
        }
        const exponent = typeof currency === 'string' ? currencyExponent(currency) : undefined;
        if (typeof currency !== 'string' || exponent === undefined) {
          throw new TypeError(
            `createPayment: "currency" must be an ISO 4217 code such as "EUR", got ${String(currency)}`,
          );
        }
        const orderId = input.order;
        if (orderId !== undefined && !(typeof orderId === 'string' && /^[A-Za-z0-9_-]+$/.test(orderId))) {
          throw new TypeError('createPayment: "order" must be an id of letters, digits, "_" and "-"');
        }
        let order = orderId === undefined ? undefined : orders.get(orderId);
        if (order && order.currency !== currency) {
          throw new TypeError(`createPayment: order ${order.id} is in ${order.currency}, not ${currency}`);
        }
        const time = now();
        if (!order) {
          order = {
            id: orderId ?? uniqueId(orders),
            number: tools.randomId(1, '123456789') + tools.randomId(7, digits),
            currency,
            transactions: 0,
            returns: 0,
            captures: [],
            createdAt: time,
            updatedAt: time,
            reference: null,
            referenceOrigin: null,
            metadata: {},
          };
          orders.set(order.id, order);
        }
        transactionNumber(order); // the authorization that this capture captured
        const id = uniqueId(captures);
        const gateway = tools.randomId(24);
        const capture: Capture = {
          id,
          order,
          number: transactionNumber(order),
          currency,
          exponent,
          amount,
          declineRefunds: input.declineRefunds === true,
          succeeded: true,
          token: `pi_${gateway}`,
          gatewayTransactionId: `ch_${gateway}`,
          reference: null,
          referenceOrigin: null,
          metadata: {},
          createdAt: time,
          updatedAt: time,
          refunds: [],
        };
        captures.set(id, capture);
        order.captures.push(capture);
        return id;
      },
      refunds: (): SandboxLedgerEntry[] =>
        [...refunds.values()].map((refund) => ({
          id: refund.id,
          payment: refund.capture.id,
          amount: refund.amount,
          currency: refund.capture.currency,
          status: refund.succeeded ? 'succeeded' : 'failed',
          reference: refund.reference ?? undefined,
          createdAt: refund.createdAt,
        })),
      handlers: {
        listRefunds: guard(({ query, headers, baseUrl }) =>
          listPage([...refunds.values()], query, shapeOf(query, headers, baseUrl, 'refunds'), '/refunds'),
        ),
        retrieveRefund: guard(({ pathParams, query, headers, baseUrl }) => {
          const shape = shapeOf(query, headers, baseUrl, 'refunds');
          const refund = refunds.get(pathParams.refundId!);
          if (!refund) return recordNotFound(pathParams.refundId!);
          return { status: 200, body: document({ type: 'refunds', refund }, shape) };
        }),
        updateRefund: guard(({ pathParams, query, headers, baseUrl, body }) => {
          const shape = shapeOf(query, headers, baseUrl, 'refunds');
          const { data } = body as CommercelayerRefundUpdate;
          checkUpdate(pathParams.refundId!, data, refundUpdatable);
          const refund = refunds.get(pathParams.refundId!);
          if (!refund) return recordNotFound(pathParams.refundId!);
          const { attributes } = data;
          if (attributes.reference !== undefined) refund.reference = attributes.reference;
          if (attributes.reference_origin !== undefined) refund.referenceOrigin = attributes.reference_origin;
          // `metadata` is replaced as a whole.
          if (attributes.metadata !== undefined) refund.metadata = attributes.metadata;
          if (attributes.succeeded !== undefined) refund.succeeded = attributes.succeeded;
          // `_forward` moves a stuck transaction to succeeded.
          if (attributes._forward === true) refund.succeeded = true;
          refund.updatedAt = now();
          return { status: 200, body: document({ type: 'refunds', refund }, shape) };
        }),
        createRefund: () => methodNotAllowed(),
        retrieveCapture: guard(({ pathParams, query, headers, baseUrl }) => {
          const shape = shapeOf(query, headers, baseUrl, 'captures');
          const capture = findCapture(pathParams.captureId!);
          return { status: 200, body: document({ type: 'captures', capture }, shape) };
        }),
        updateCapture: guard(({ pathParams, query, headers, baseUrl, body }) => {
          const shape = shapeOf(query, headers, baseUrl, 'captures');
          const { data } = body as CommercelayerCaptureUpdate;
          checkUpdate(pathParams.captureId!, data, captureUpdatable);
          const capture = findCapture(pathParams.captureId!);
          const { attributes } = data;
          // `_refund_amount_cents` only sets the amount of a `_refund: true` trigger; alone it does nothing.
          // `_cancel` refunds captures of *pending* orders; the sandbox's orders are placed, so it has no effect.
          if (attributes._refund === true) refundCapture(capture, attributes._refund_amount_cents);
          if (attributes.reference !== undefined) capture.reference = attributes.reference;
          if (attributes.reference_origin !== undefined)
            capture.referenceOrigin = attributes.reference_origin;
          if (attributes.metadata !== undefined) capture.metadata = attributes.metadata;
          if (attributes.succeeded !== undefined) capture.succeeded = attributes.succeeded;
          if (attributes._forward === true) capture.succeeded = true;
          capture.updatedAt = now();
          return { status: 200, body: document({ type: 'captures', capture }, shape) };
        }),
        listCaptureRefunds: guard(({ pathParams, query, headers, baseUrl }) => {
          const shape = shapeOf(query, headers, baseUrl, 'refunds');
          const capture = findCapture(pathParams.captureId!);
          return listPage(
            capture.refunds,
            query,
            shape,
            `/captures/${encodeURIComponent(capture.id)}/refunds`,
          );
        }),
        retrieveRefundOrder: guard(({ pathParams, query, headers, baseUrl }) => {
          const shape = shapeOf(query, headers, baseUrl, 'orders');
          const refund = find(refunds, pathParams.refundId!);
          return { status: 200, body: document({ type: 'orders', order: refund.capture.order }, shape) };
        }),
        retrieveRefundReferenceCapture: guard(({ pathParams, query, headers, baseUrl }) => {
          const shape = shapeOf(query, headers, baseUrl, 'captures');
          const refund = find(refunds, pathParams.refundId!);
          return { status: 200, body: document({ type: 'captures', capture: refund.capture }, shape) };
        }),
        retrieveRefundReturn: guard(({ pathParams, query, headers, baseUrl }) => {
          const shape = shapeOf(query, headers, baseUrl, 'returns');
          const ret = returnNode(find(refunds, pathParams.refundId!).return);
          return { status: 200, body: ret ? document(ret, shape) : { data: null } };
        }),
        listRefundAttachments: guard(({ pathParams, query, headers, baseUrl }) => {
          const refund = find(refunds, pathParams.refundId!);
          return emptyPage(query, headers, baseUrl, `/refunds/${encodeURIComponent(refund.id)}/attachments`);
        }),
        listRefundEvents: guard(({ pathParams, query, headers, baseUrl }) => {
          const refund = find(refunds, pathParams.refundId!);
          return emptyPage(query, headers, baseUrl, `/refunds/${encodeURIComponent(refund.id)}/events`);
        }),
        updateOrder: guard(({ pathParams, query, headers, baseUrl, body }) => {
          const shape = shapeOf(query, headers, baseUrl, 'orders');
          const { data } = body as CommercelayerOrderUpdate;
          checkUpdate(pathParams.orderId!, data, orderUpdatable);
          const order = find(orders, pathParams.orderId!);
          const { attributes } = data;
          // `_refund_invoice` refunds a tax calculator's invoice; the sandbox's markets have none.
          if (attributes._refund === true) refundOrder(order);
          if (attributes.reference !== undefined) order.reference = attributes.reference;
          if (attributes.reference_origin !== undefined) order.referenceOrigin = attributes.reference_origin;
          if (attributes.metadata !== undefined) order.metadata = attributes.metadata;
          order.updatedAt = now();
          return { status: 200, body: document({ type: 'orders', order }, shape) };
        }),
        listOrderRefunds: guard(({ pathParams, query, headers, baseUrl }) => {
          const shape = shapeOf(query, headers, baseUrl, 'refunds');
          const order = find(orders, pathParams.orderId!);
          return listPage(
            orderRefunds(order),
            query,
            shape,
            `/orders/${encodeURIComponent(order.id)}/refunds`,
          );
        }),
        updateReturn: guard(({ pathParams, query, headers, baseUrl, body }) => {
          const shape = shapeOf(query, headers, baseUrl, 'returns');
          const { data } = body as CommercelayerReturnUpdate;
          checkUpdate(pathParams.returnId!, data, returnUpdatable, returnRelationships);
          const ret = find(returns, pathParams.returnId!);
          updateReturnRecord(ret, data);
          return { status: 200, body: document({ type: 'returns', ret }, shape) };
        }),
        retrieveReturnReferenceRefund: guard(({ pathParams, query, headers, baseUrl }) => {
          const shape = shapeOf(query, headers, baseUrl, 'refunds');
          const { refund } = find(returns, pathParams.returnId!);
          return { status: 200, body: refund ? document(refundNode(refund), shape) : { data: null } };
        }),
      } satisfies SandboxHandlers<operations>,
    };
  });
  return Object.assign(sandbox, {
    createReturn: (input: CommercelayerReturnInput) => seedReturn(input),
    issueAccessToken,
  });
}
