//
// Commerce Layer has no create call for refunds: a refund is made by the `_refund` trigger of a capture,
// `PATCH /captures/{captureId}` with `_refund: true` and, for a partial refund, `_refund_amount_cents`
// (fact sheet §1). The trigger takes no reference and answers with the capture, not the refund, and there
// is no idempotency key (§6). So the facade's reconciliation, which lists a payment's refunds and looks
// for the create's reference, cannot see a refund whose trigger response was lost unless this adapter
// finds that refund itself and writes the reference onto it. One create therefore runs:
//
// 1. Snapshot: `GET /captures/{captureId}?include=refunds` gives the capture's `currency_code` (an amount
//    in another currency is refused before anything is sent) and S, the ids of the refunds it already has
//    (read from `GET /captures/{captureId}/refunds`, paged, if the include did not come back complete).
// 2. Trigger: `PATCH /captures/{captureId}?include=refunds` with `_refund: true` (and
//    `_refund_amount_cents`); the answer's `included` holds the capture's refunds, the new one among them.
// 3. Identify: ours is the refund not in S, with our amount (any amount for a full refund); when
//    `included` does not show exactly one, the capture's refunds are listed again. When the trigger failed
//    ambiguously (a retryable RefundError that is neither an unsent failure nor a 429: a 5xx, a timeout, a
//    dropped connection), the adapter lists the capture's refunds itself: exactly one new refund → ours,
//    go on to 4; none → the original failure is rethrown and the facade decides; more than one →
//    `outcome_unknown` naming the candidates (it cannot tell which one is ours).
// 4. Tag: `PATCH /refunds/{refundId}` with `reference`, `reference_origin: 'refundkit'` and `metadata`
//    (plus `refundkit_reason`), so a later `list` (the facade's reconciliation) finds it by reference.
//    The refund exists whatever happens to the tag: a failed tag is retried once, then the refund is
//    returned untagged (`reference: undefined`). Nothing is thrown once the refund is known to be made.
//
// Three additions keep that sound beyond a single attempt:
// - Every trigger is remembered before it is sent, by the create's idempotency key (which the facade keeps
//   for every retry of one logical refund), with S; it is forgotten once its outcome is known. One whose
//   outcome stays unknown (its answer never came, or the list in 3 failed, e.g. because the attempt's own
//   timeout fired, or found nothing while the refund may still land) stays remembered. The next attempt of
//   that create (the facade makes one only after a failure the provider answered, e.g. a 5xx, or one that
//   sent nothing) compares its snapshot with that S first: one new refund with our amount is ours (tagged
//   and returned, nothing sent), more than one is `outcome_unknown`, none means the trigger made nothing
//   and it is sent again (unless it was accepted with a 200 and the refund could not be read back: then
//   `outcome_unknown`). Without this, a retry after a lost answer would refund twice, as the refund
//   carries no reference for the facade to find.
// - `list` (the facade's reconciliation lists the capture) tags the refund of a remembered trigger when the
//   capture shows exactly one new refund with its amount, so that reconciliation finds it by reference. A
//   trigger whose answer was lost to a timeout is found this way: the facade does not send again after one.
// - Creates on one capture through one adapter run one at a time, so two of them never see each other's
//   refund as new. Refunds made elsewhere at the same moment can still make identification ambiguous,
//   which ends in `outcome_unknown`, never in claiming someone else's refund.
import {
  type AdapterCall,
  type AdapterCreateInput,
  checkIso4217Currency,
  commonRefundReasons,
  createAdapterClient,
  invalidRequest,
  isRefundError,
  isUnsentFailure,
  markUnsent,
  type ProviderCapabilities,
  providerError,
  type Refund,
  type RefundAdapter,
  RefundError,
  type RefundErrorCode,
  type RefundStatus,
  successData,
} from '@refundkit/core';
import { type CommercelayerClientOptions, commercelayerClientConfig } from './commercelayer-client.js';
import type { CommercelayerErrors, CommercelayerRefundAttributes } from './commercelayer-schemas.js';
import type { paths } from './generated/commercelayer.gen.js';

export type CommercelayerAdapterOptions = CommercelayerClientOptions;

export const commercelayerCapabilities: ProviderCapabilities = {
  partialRefunds: true,
  // `_refund: true` without `_refund_amount_cents` refunds the capture's `refund_balance_cents`.
  fullRefundWithoutAmount: true,
  // Fact sheet §6: no idempotency key; every accepted `_refund` trigger makes another refund.
  idempotencyKeys: false,
  // Commerce Layer has no refund reason: the reason is stored as metadata `refundkit_reason`.
  reasons: commonRefundReasons,
  // Commerce Layer documents no limits on `metadata`; these are refundkit's.
  metadata: { maxKeys: 50, maxKeyLength: 100, maxValueLength: 1000 },
  // `reference` has no documented maximum length; 255 is refundkit's choice.
  referenceMaxLength: 255,
  // A capture refunds in its order's currency, whichever it is; `create` checks it against the capture.
  currencies: 'any',
  approvalFlow: false,
};

const provider = 'commercelayer';
/** Commerce Layer's largest page (fact sheet §2). */
const pageSize = 25;
/** Pages read when listing a capture's refunds: at most 500 refunds. */
const maxListPages = 20;
/** Where Commerce Layer points a refund amount above the capture's refundable balance. */
const amountPointer = '/data/attributes/_refund_amount_cents';
/** Triggers of unknown outcome remembered at most (the oldest are forgotten first). */
const maxUnresolved = 1000;

/** A refund resource object, as primary data or as a member of a document's `included`. */
interface RefundResource {
  id: string;
  type: string;
  attributes?: Record<string, unknown>;
  relationships?: Record<string, { data?: unknown } | undefined>;
}

/** A trigger whose refund is unaccounted for: its capture and amount, and the capture's refunds before it. */
interface Unresolved {
  /** The create, for tagging its refund once it shows. */
  input: AdapterCreateInput;
  payment: string;
  amount: number | undefined;
  before: ReadonlySet<string>;
  /** The trigger was accepted (200), so a refund was made: it must never be sent again. */
  made: boolean;
}

const attributesOf = (resource: RefundResource) =>
  (resource.attributes ?? {}) as Partial<CommercelayerRefundAttributes>;

function statusOf(attributes: Partial<CommercelayerRefundAttributes>): RefundStatus {
  if (attributes.succeeded === true) return 'succeeded';
  // Gateway declines are stored with `succeeded: false` and the gateway's answer (fact sheet §4).
  return attributes.error_code || attributes.error_detail || attributes.message ? 'failed' : 'pending';
}

/** The capture a refund refunds: its `reference_capture` linkage when included, else the one asked about. */
function captureOf(resource: RefundResource, fallback: string | undefined): string {
  const data = resource.relationships?.reference_capture?.data as { id?: unknown } | null | undefined;
  return typeof data?.id === 'string' ? data.id : (fallback ?? '');
}

function toRefund(resource: RefundResource, payment: string | undefined): Refund {
  const attributes = attributesOf(resource);
  return {
    provider,
    id: resource.id,
    payment: captureOf(resource, payment),
    status: statusOf(attributes),
    // `amount_cents` is already in minor units of `currency_code` (cents, yen, fils): no conversion.
    amount: { value: attributes.amount_cents as number, currency: attributes.currency_code as string },
    reference: attributes.reference ?? undefined,
    createdAt: attributes.created_at as string,
    raw: resource,
  };
}

function toError(response: Response, body: unknown): RefundError {
  const errors = (body as Partial<CommercelayerErrors> | undefined)?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  let code: RefundErrorCode | undefined;
  // A `_refund_amount_cents` above the refundable balance (or a full refund of nothing left) is a 422
  // pointing at that attribute; the other statuses take the shared mapping (401, 404, 400/406/415, 429, 5xx).
  if (response.status === 422)
    code = first?.source?.pointer === amountPointer ? 'insufficient_funds' : 'invalid_request';
  return providerError(provider, response, body, {
    code,
    providerCode: first?.code,
    message: first?.detail ?? first?.title,
  });
}

/** A failure after which the trigger may have made a refund: the provider may have seen and handled it. */
const isAmbiguous = (error: unknown) =>
  !isRefundError(error) || (error.retryable && !isUnsentFailure(error) && error.status !== 429);

/** The refunds in a document's `included`, or `undefined` when the capture's `refunds` were not included. */
function includedRefunds(document: {
  data: { relationships?: { refunds?: { data?: unknown } } };
  included?: RefundResource[];
}): RefundResource[] | undefined {
  const linkage = document.data.relationships?.refunds?.data;
  if (!Array.isArray(linkage)) return undefined;
  const refunds = (document.included ?? []).filter((resource) => resource.type === 'refunds');
  const found = new Set(refunds.map((refund) => refund.id));
  // Every linked refund must be there, or the snapshot would miss refunds that then look new.
  return linkage.every((link: { id?: unknown }) => found.has(String(link.id))) ? refunds : undefined;
}

/** The capture's refunds that are not in `before`, with `amount` when one was asked for. */
function newRefunds(
  refunds: RefundResource[],
  before: ReadonlySet<string>,
  amount: number | undefined,
): RefundResource[] {
  return refunds.filter(
    (refund) =>
      !before.has(refund.id) && (amount === undefined || attributesOf(refund).amount_cents === amount),
  );
}

function ambiguous(payment: string, candidates: RefundResource[], cause?: unknown): RefundError {
  return new RefundError({
    code: 'outcome_unknown',
    provider,
    retryable: false,
    cause,
    message:
      `${provider}: a refund of capture ${payment} was probably made, but ${candidates.length} new refunds ` +
      `appeared on it (${candidates.map((refund) => refund.id).join(', ')}) and refundkit cannot tell ` +
      'which one is this one. Check them before trying again.',
  });
}

function notFound(payment: string, amount: number | undefined): RefundError {
  return new RefundError({
    code: 'outcome_unknown',
    provider,
    retryable: false,
    message:
      `${provider}: capture ${payment} accepted the _refund trigger, but no new refund` +
      `${amount === undefined ? '' : ` of ${amount}`} appeared on it. Check its refunds before trying again.`,
  });
}

/**
 * Commerce Layer for the refundkit facade: refunds of a capture (`payment` is the capture id) made with
 * the capture's `_refund` trigger, then tagged with the reference. See the comment at the top of this file.
 */
export function commercelayer(options: CommercelayerAdapterOptions): RefundAdapter {
  const client = createAdapterClient<paths, 'application/vnd.api+json'>(
    commercelayerClientConfig(options, 'commercelayer'),
  );
  const unresolved = new Map<string, Unresolved>();
  const queues = new Map<string, Promise<void>>();

  function remember(key: string, entry: Unresolved) {
    unresolved.delete(key);
    unresolved.set(key, entry);
    if (unresolved.size > maxUnresolved) unresolved.delete(unresolved.keys().next().value as string);
  }

  /** Runs the creates of one capture one after the other. */
  async function exclusive<T>(payment: string, run: () => Promise<T>): Promise<T> {
    const previous = queues.get(payment) ?? Promise.resolve();
    const current = previous.then(run);
    const tail = current.then(
      () => undefined,
      () => undefined,
    );
    queues.set(payment, tail);
    try {
      return await current;
    } finally {
      if (queues.get(payment) === tail) queues.delete(payment);
    }
  }

  /** Every refund of a capture, `page[size]=25`, at most `maxListPages` pages. */
  async function listRefunds(captureId: string, call: AdapterCall): Promise<RefundResource[]> {
    const refunds = new Map<string, RefundResource>();
    for (let page = 1; page <= maxListPages; page += 1) {
      const result = await client.GET(
        '/captures/{captureId}/refunds',
        {
          params: {
            path: { captureId },
            query: { 'page[size]': pageSize, 'page[number]': page, include: 'reference_capture' },
          },
        },
        call,
      );
      const data = successData(provider, result, toError);
      // Keyed by id: a refund made while paging can shift one onto the next page twice.
      for (const refund of data.data) refunds.set(refund.id, refund);
      if (page >= data.meta.page_count || !data.links.next) break;
    }
    return [...refunds.values()];
  }

  /** Step 1: the capture's currency and its refunds before the trigger. */
  async function snapshot(captureId: string, call: AdapterCall) {
    const result = await client.GET(
      '/captures/{captureId}',
      {
        params: { path: { captureId }, query: { include: 'refunds' } },
      },
      call,
    );
    const data = successData(provider, result, toError);
    return {
      currency: data.data.attributes.currency_code,
      refunds: includedRefunds(data) ?? (await listRefunds(captureId, call)),
    };
  }

  /** Step 2: the `_refund` trigger; the capture's refunds afterwards, when the answer includes them all. */
  async function trigger(input: AdapterCreateInput, call: AdapterCall) {
    const result = await client.PATCH(
      '/captures/{captureId}',
      {
        params: { path: { captureId: input.payment }, query: { include: 'refunds' } },
        body: {
          data: {
            type: 'captures',
            id: input.payment,
            attributes: {
              _refund: true,
              // Omitted: the whole refundable balance. Commerce Layer's `_cents` are minor units already.
              ...(input.amount ? { _refund_amount_cents: input.amount.value } : {}),
            },
          },
        },
      },
      call,
    );
    const data = successData(provider, result, toError);
    return includedRefunds(data);
  }

  /**
   * Step 4: writes the reference, `reference_origin` and metadata onto the refund. The refund exists
   * whatever the tag's fate: a failed tag is tried once more, then the refund is returned untagged
   * (`reference: undefined`, so the facade's reconciliation will not find it by reference) rather than
   * throwing after a refund was made.
   */
  async function tag(refund: RefundResource, input: AdapterCreateInput, call: AdapterCall): Promise<Refund> {
    const metadata = {
      ...input.metadata,
      ...(input.reason === undefined ? {} : { refundkit_reason: input.reason }),
    };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const { data } = await client.PATCH(
          '/refunds/{refundId}',
          {
            params: { path: { refundId: refund.id }, query: { include: 'reference_capture' } },
            body: {
              data: {
                type: 'refunds',
                id: refund.id,
                attributes: {
                  reference: input.reference,
                  reference_origin: 'refundkit',
                  ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
                },
              },
            },
          },
          call,
        );
        if (data) return toRefund(data.data, input.payment);
      } catch {
        // A lost answer or no connection: try once more (the tag is idempotent).
      }
    }
    return { ...toRefund(refund, input.payment), reference: undefined };
  }

  async function create(input: AdapterCreateInput, call: AdapterCall): Promise<Refund> {
    const captureId = input.payment;
    const amount = input.amount?.value;
    // Nothing has been sent by this attempt yet: a failed snapshot is safe to repeat (an earlier attempt's
    // trigger, if any, is remembered below by its idempotency key).
    const before = await snapshot(captureId, call).catch((error: unknown) => {
      throw isRefundError(error) ? markUnsent(error) : error;
    });
    if (input.amount && input.amount.currency !== before.currency) {
      throw invalidRequest('amount.currency', `the capture is in ${before.currency}`, provider);
    }

    // An earlier attempt of this create sent a trigger whose outcome stayed unknown: look for its refund.
    const earlier = unresolved.get(input.idempotencyKey);
    if (earlier) {
      unresolved.delete(input.idempotencyKey);
      if (earlier.payment === captureId && earlier.amount === amount) {
        const candidates = newRefunds(before.refunds, earlier.before, amount);
        if (candidates.length > 1) throw ambiguous(captureId, candidates);
        if (candidates.length === 1) return tag(candidates[0]!, input, call);
        if (earlier.made) throw notFound(captureId, amount);
        // None: that trigger made no refund, so sending it again cannot refund twice.
      }
    }

    const known = new Set(before.refunds.map((refund) => refund.id));
    const pending = { input, payment: captureId, amount, before: known, made: false };
    // Remembered before it is sent, so that `list` and the next attempt can find its refund whatever becomes
    // of the answer, even one that never comes.
    remember(input.idempotencyKey, pending);
    let after: RefundResource[] | undefined;
    try {
      after = await trigger(input, call);
    } catch (failure) {
      // Refused (4xx), throttled (429) or never sent: no refund was made.
      if (!isAmbiguous(failure)) {
        unresolved.delete(input.idempotencyKey);
        throw failure;
      }
      // The provider may have made the refund: look for it.
      if (!isRefundError(failure)) throw failure;
      let refunds: RefundResource[];
      try {
        refunds = await listRefunds(captureId, call);
      } catch {
        // Cannot look now (the attempt may have timed out): the next attempt looks first (see `earlier`).
        throw failure;
      }
      const candidates = newRefunds(refunds, known, amount);
      // None: nothing was made yet. The facade decides; a retry looks again first, in case it lands late.
      if (candidates.length === 0) throw failure;
      unresolved.delete(input.idempotencyKey);
      if (candidates.length > 1) throw ambiguous(captureId, candidates, failure);
      return tag(candidates[0]!, input, call);
    }

    // The trigger was accepted: a refund was made. Find it among the refunds the answer included…
    let candidates = after ? newRefunds(after, known, amount) : [];
    if (candidates.length !== 1) {
      // …or by listing the capture's refunds.
      try {
        candidates = newRefunds(await listRefunds(captureId, call), known, amount);
      } catch (error) {
        // Made but not identified yet: retryable, and remembered, so the next attempt finds it, not sends again.
        remember(input.idempotencyKey, { ...pending, made: true });
        throw new RefundError({
          code: 'provider_error',
          provider,
          retryable: true,
          message: `${provider}: the refund of capture ${captureId} was made, but reading it back failed`,
          cause: error,
        });
      }
    }
    unresolved.delete(input.idempotencyKey);
    if (candidates.length === 1) return tag(candidates[0]!, input, call);
    if (candidates.length > 1) throw ambiguous(captureId, candidates);
    throw notFound(captureId, amount);
  }

  return {
    provider,
    capabilities: commercelayerCapabilities,
    secrets: [options.accessToken],
    fetch: options.fetch,
    checkCurrency: checkIso4217Currency,
    checkPayment: (payment) =>
      /^[A-Za-z0-9]+$/.test(payment) ? undefined : 'must be a Commerce Layer capture id',

    create: (input, call) => exclusive(input.payment, () => create(input, call)),

    async retrieve({ id, payment }, call) {
      const result = await client.GET(
        '/refunds/{refundId}',
        {
          // The capture is included so the refund's `payment` is known without the caller naming it.
          params: { path: { refundId: id }, query: { include: 'reference_capture' } },
        },
        call,
      );
      const data = successData(provider, result, toError);
      return toRefund(data.data, payment);
    },

    async list({ payment }, call) {
      const refunds = await listRefunds(payment, call);
      const listed = refunds.map((refund) => toRefund(refund, payment));
      // Remembered triggers whose refund now shows: tagged, so a lookup by reference finds them.
      for (const [key, entry] of unresolved) {
        const candidates = entry.payment === payment ? newRefunds(refunds, entry.before, entry.amount) : [];
        if (candidates.length !== 1 || attributesOf(candidates[0]!).reference) continue;
        const tagged = await tag(candidates[0]!, entry.input, call);
        listed[refunds.indexOf(candidates[0]!)] = tagged;
        if (tagged.reference !== undefined) unresolved.delete(key);
      }
      return listed;
    },
  };
}
