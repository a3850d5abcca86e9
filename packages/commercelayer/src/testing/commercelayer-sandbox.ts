import { currencyExponent, formatMinorUnits, minorUnitsToDecimal } from '@refundkit/core';
import {
  createSandbox,
  type OperationRequest,
  type Sandbox,
  type SandboxLedgerEntry,
  type SandboxOptions,
  type SandboxResponse,
} from '@refundkit/core/testing';
import type {
  CommercelayerCapture,
  CommercelayerCaptureUpdate,
  CommercelayerRefundAttributes,
  CommercelayerRefundUpdate,
} from '../commercelayer-schemas.js';
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

/** What `createCommercelayerClient` takes as credentials (a type alias, so it is a string record). */
export type CommercelayerCredentials = {
  /** The organization slug (the API host's subdomain). */
  organization: string;
  /** A JWT-shaped integration access token, sent as `Authorization: Bearer <token>`. */
  accessToken: string;
};

export type CommercelayerSandbox = Sandbox<CommercelayerCredentials, CommercelayerPaymentInput>;
export type CommercelayerSandboxOptions = SandboxOptions;

type Json = Record<string, unknown>;
type RefundAttributes = CommercelayerRefundAttributes;
type CaptureAttributes = CommercelayerCapture['attributes'];

const jsonApi = 'application/vnd.api+json';
const base64url = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';
const digits = '0123456789';
/** Amounts with more significant digits would lose exactness as `amount_float` (a JSON number). */
const maxAmount = 999_999_999_999_999;

interface Order {
  id: string;
  number: string;
  currency: string;
  /** Transactions numbered so far: `<order number>/T/001`, `/T/002`, … */
  transactions: number;
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
}

type Node =
  | { type: 'refunds'; refund: Refund }
  | { type: 'captures'; capture: Capture }
  | { type: 'orders'; order: Order };
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
 * The others (payment sources, attachments, events, returns, authorizations) are not modelled: including
 * them is accepted and adds nothing.
 */
const emitted: Record<Node['type'], string[]> = {
  refunds: ['order', 'reference_capture'],
  captures: ['order', 'reference_authorization', 'refunds'],
  orders: [],
};
const targetType: Record<string, Node['type'] | undefined> = {
  'refunds.order': 'orders',
  'refunds.reference_capture': 'captures',
  'captures.order': 'orders',
  'captures.refunds': 'refunds',
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
  return_id: { kind: 'string', read: () => null },
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
function parseInclude(include: string | null, primary: 'refunds' | 'captures'): IncludeTree | undefined {
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
      // Relationships of orders and of unmodelled resources are not checked.
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
export function createCommercelayerSandbox(options?: CommercelayerSandboxOptions): CommercelayerSandbox {
  const orders = new Map<string, Order>();
  const captures = new Map<string, Capture>();
  const refunds = new Map<string, Refund>();

  return createSandbox(options, (tools) => {
    const organization = 'sandbox';
    const organizationId = tools.randomId(10);
    const encode = (value: Json) =>
      btoa(JSON.stringify(value)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    // JWT-shaped like Commerce Layer's integration tokens (the payload names the organization); the
    // signature is random and never checked: only this exact token is accepted.
    const accessToken = [
      encode({ alg: 'HS512', typ: 'JWT' }),
      encode({
        organization: { id: organizationId, slug: organization, enterprise: false },
        application: { id: tools.randomId(10), kind: 'integration', public: false },
        scope: 'market:all',
        test: true,
      }),
      tools.randomId(86, base64url),
    ].join('.');
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
        node.type === 'refunds' ? node.refund.id : node.type === 'captures' ? node.capture.id : node.order.id,
    });

    /** The modelled related resources of a node: one, many, or `undefined` when not modelled. */
    function related(node: Node, name: string): Node | Node[] | undefined {
      if (node.type === 'refunds') {
        if (name === 'order') return { type: 'orders', order: node.refund.capture.order };
        if (name === 'reference_capture') return { type: 'captures', capture: node.refund.capture };
      } else if (node.type === 'captures') {
        if (name === 'order') return { type: 'orders', order: node.capture.order };
        if (name === 'refunds')
          return node.capture.refunds.map((refund) => ({ type: 'refunds' as const, refund }));
      }
      return undefined;
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
      const meta = { mode: 'test', organization_id: organizationId };
      if (node.type === 'orders') {
        return {
          id,
          type,
          links: { self },
          attributes: { number: node.order.number, currency_code: node.order.currency },
          meta,
        };
      }
      const fields = shape.fields[node.type];
      let attributes: Json =
        node.type === 'refunds' ? refundAttributes(node.refund) : captureAttributes(node.capture);
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
          relationship.data = Array.isArray(target) ? target.map(identify) : identify(target);
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
          for (const child of target === undefined ? [] : Array.isArray(target) ? target : [target]) {
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
      primary: 'refunds' | 'captures',
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
      const size = Number(query.get('page[size]') ?? 10);
      const number = Number(query.get('page[number]') ?? 1);
      const pageCount = Math.ceil(matching.length / size);
      const page = matching.slice((number - 1) * size, number * size);
      // Pagination links keep the request's other parameters (filters, sort, include, fields).
      const kept = [...query].filter(([name]) => !name.startsWith('page['));
      const link = (target: number) =>
        `${shape.base}${path}?${new URLSearchParams([
          ['page[number]', String(target)],
          ['page[size]', String(size)],
          ...kept,
        ])}`;
      const body = document(
        page.map((refund) => ({ type: 'refunds', refund }) as const),
        shape,
      );
      return {
        status: 200,
        body: {
          ...body,
          meta: { record_count: matching.length, page_count: pageCount },
          links: {
            first: link(1),
            ...(number > 1 ? { prev: link(number - 1) } : {}),
            ...(number < pageCount ? { next: link(number + 1) } : {}),
            last: link(Math.max(pageCount, 1)),
          },
        },
      };
    }

    /** Checks `data.id` against the URL and the attribute and relationship names against what is updatable. */
    function checkUpdate(
      urlId: string,
      data: { id: string; attributes: Json; relationships?: unknown },
      updatable: Set<string>,
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
        const [name] = Object.keys(relationships);
        if (name !== undefined) throw notAllowed(name, `/data/relationships/${name}`);
      }
    }

    const amountError = (title: string, meta: Json) =>
      new Rejection(
        errors(422, [
          {
            title,
            detail: `_refund_amount_cents - ${title}`,
            code: 'VALIDATION_ERROR',
            source: { pointer: '/data/attributes/_refund_amount_cents' },
            meta,
          },
        ]),
      );

    /** The `_refund` trigger: a refund of `_refund_amount_cents`, or of the whole refundable balance. */
    function refundCapture(capture: Capture, requested: number | undefined): Refund {
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
      };
      refunds.set(refund.id, refund);
      capture.refunds.push(refund);
      return refund;
    }

    function findCapture(id: string): Capture {
      const capture = captures.get(id);
      if (!capture) throw new Rejection(recordNotFound(id));
      return capture;
    }

    return {
      provider: 'commercelayer',
      spec: commercelayerOpenApi,
      mediaType: jsonApi,
      credentials: { organization, accessToken },
      authenticate: (headers) =>
        /^Bearer\s+(\S+)$/i.exec(headers.get('authorization') ?? '')?.[1] === accessToken,
      unauthorized: (operationId) =>
        operationId === 'createRefund'
          ? methodNotAllowed()
          : errors(401, [
              {
                title: 'Access denied',
                detail: 'You are not authorized to perform this action on the requested resource.',
                code: 'UNAUTHORIZED',
              },
            ]),
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
        const [title, code] =
          status === 429
            ? ['Too many requests', 'TOO_MANY_REQUESTS']
            : status === 503
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
        if (!order) {
          order = {
            id: orderId ?? uniqueId(orders),
            number: tools.randomId(1, '123456789') + tools.randomId(7, digits),
            currency,
            transactions: 0,
          };
          orders.set(order.id, order);
        }
        transactionNumber(order); // the authorization that this capture captured
        const time = now();
        const id = uniqueId(captures);
        const gateway = tools.randomId(24);
        captures.set(id, {
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
        });
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
      },
    };
  });
}
