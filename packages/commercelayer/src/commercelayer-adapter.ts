//
// Commerce Layer has no create call for refunds: a refund is made by the `_refund` trigger of a capture,
// `PATCH /captures/{captureId}` with `_refund: true` and, for a partial refund, `_refund_amount_cents`
// (fact sheet §1). The trigger takes no reference and answers with the capture, not the refund, and there
// is no idempotency key (§6). So the facade's reconciliation, which lists a payment's refunds and looks
// for the create's reference, cannot see a refund whose trigger response was lost unless this adapter
// finds that refund itself and writes the reference onto it. One create therefore runs:
//
// 1. Snapshot: `GET /captures/{captureId}?include=refunds,refunds.return` gives the capture's
//    `currency_code` (an amount in another currency is refused before anything is sent) and S, the ids of
//    the refunds it already has (read from `GET /captures/{captureId}/refunds`, paged, if the include did
//    not come back complete).
// 2. Trigger: `PATCH /captures/{captureId}?include=refunds,refunds.return` with `_refund: true` (and
//    `_refund_amount_cents`); the answer's `included` holds the capture's refunds, the new one among them.
// 3. Identify: ours is the one refund that is new since S, has our amount (any amount for a full refund),
//    carries no other reference, was not made for a return (a return's `_refund` trigger refunds its
//    reference capture too; the refund's `return` linkage, read with `include`, names the return), and is
//    claimed by no other create (see below). When `included` does not show exactly one, the capture's
//    refunds are listed again. When the trigger failed ambiguously (see `mayHaveActed`: a 5xx, a timeout, a
//    dropped connection), the adapter lists the capture's refunds itself:
//    none → the original failure is rethrown and the facade decides; exactly one → ours only with
//    `soleWriter` (else another process may have made it); more than one, or one that another unsettled
//    create could also have made → `outcome_unknown` naming the candidates (it cannot tell which is ours).
// 4. Tag: `PATCH /refunds/{refundId}` with `reference`, `reference_origin: 'refundkit'` and `metadata`
//    (plus `refundkit_reason`), so a later `list` (the facade's reconciliation) finds it by reference.
//    The refund exists whatever happens to the tag: a failed tag is retried once, then the refund is
//    returned untagged (`reference: undefined`). Nothing is thrown once the refund is known to be made.
//
// What keeps that sound beyond a single request:
// - Every trigger is remembered before it is sent (by the create's idempotency key, with S), and forgotten
//   only once its refund is tagged or its trigger was certainly refused; while remembered, no second trigger
//   is sent for that key. An identified refund is remembered with its id, so a tag that fails or outlives
//   its attempt is written by the next `list`.
// - `list` (the facade's reconciliation lists the capture) identifies the refund of each remembered trigger
//   with the rules of 3 and tags it, so that reconciliation finds it by reference.
// - A refund identified for one create is claimed: never a candidate of another. A refund that could be
//   either of two unsettled creates' (same capture, same amount) is given to neither.
// - Creates, and lists with remembered triggers, run one at a time per capture and adapter, so two of them
//   never see each other's refund as new. A refund made elsewhere (another process, the dashboard, the
//   order's `_refund` trigger) with our amount while our trigger's outcome is unknown cannot be told from
//   ours: by default such a refund is only named as a candidate; with `soleWriter` the caller vouches that
//   there is none.
import {
  type AdapterCall,
  type AdapterCreateInput,
  checkIso4217Currency,
  commonRefundReasons,
  createAdapterClient,
  invalidRequest,
  isRefundError,
  markUnsent,
  mayHaveActed,
  type ProviderCapabilities,
  providerError,
  type Refund,
  type RefundAdapter,
  RefundError,
  type RefundErrorCode,
  type RefundStatus,
  successData,
  whenAborted,
} from '@refundkit/core';
import { type CommercelayerClientOptions, commercelayerClientConfig } from './commercelayer-client.js';
import type { CommercelayerErrors, CommercelayerRefundAttributes } from './commercelayer-schemas.js';
import type { paths } from './generated/commercelayer.gen.js';

export type CommercelayerAdapterOptions = CommercelayerClientOptions & {
  /**
   * Whether this adapter is the only maker of refunds on the captures it refunds: one process, no refunds
   * from the dashboard or other integrations. Then a trigger whose answer was lost is matched to the one new
   * untagged refund of its amount. Default false: such a refund could be another process's, so it is only
   * named in `outcome_unknown`'s `inDoubt.candidates`.
   */
  soleWriter?: boolean;
};

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
/**
 * Every refund read includes its capture (its `payment`) and its `return` linkage, which tells a refund made
 * for a return from a capture trigger's; a capture's refunds are read with that linkage too.
 */
const refundIncludes = 'reference_capture,return';
const refundsWithReturns = 'refunds,refunds.return';
/** Triggers of unknown outcome remembered at most (the oldest are forgotten first). */
const maxUnresolved = 1000;

/** A refund resource object, as primary data or as a member of a document's `included`. */
interface RefundResource {
  id: string;
  type: string;
  attributes?: Record<string, unknown>;
  relationships?: Record<string, { data?: unknown } | undefined>;
}

/** A trigger whose refund is not tagged yet: its create, and the capture's refunds before it. */
interface Unresolved {
  /** The create, for tagging its refund once it shows. */
  input: AdapterCreateInput;
  before: ReadonlySet<string>;
  /** The refund once identified: it only needs its tag. */
  refundId?: string;
  /** The trigger was accepted (200): a refund of it exists, so one new candidate must be it. */
  made: boolean;
  /** The refunds it could be, when the last look could not tell (for `outcome_unknown`). */
  candidates?: readonly string[];
}

/** What the journal keeps of a trigger (JSON), for `restore` in another process. */
const memoOf = (entry: Unresolved) => ({ before: [...entry.before], made: entry.made });

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

/**
 * Whether a return's `_refund` trigger made this refund: its `return` linkage (read with `include` of
 * `return`) names one. A capture trigger's refund has none.
 */
const madeForReturn = (refund: RefundResource) => {
  const data = refund.relationships?.return?.data;
  return typeof data === 'object' && data !== null;
};

/** The refunds that the trigger of `entry` may have made: see step 3 at the top of this file. */
function candidatesOf(entry: Unresolved, refunds: RefundResource[], claimed: ReadonlySet<string>) {
  const { amount, reference } = entry.input;
  return refunds.filter((refund) => {
    const attributes = attributesOf(refund);
    return (
      !entry.before.has(refund.id) &&
      !claimed.has(refund.id) &&
      !madeForReturn(refund) &&
      (amount === undefined || attributes.amount_cents === amount.value) &&
      (!attributes.reference || attributes.reference === reference)
    );
  });
}

/** An `outcome_unknown` for `input`'s create, naming the refunds it may have made. */
function unknownOutcome(input: AdapterCreateInput, message: string, ids: readonly string[], cause?: unknown) {
  const { payment, reference, amount, idempotencyKey } = input;
  return new RefundError({
    code: 'outcome_unknown',
    provider,
    retryable: false,
    cause,
    inDoubt: { payment, reference, amount, idempotencyKey, candidates: ids },
    message: `${provider}: ${message}`,
  });
}

function ambiguous(input: AdapterCreateInput, candidates: RefundResource[], cause?: unknown): RefundError {
  const ids = candidates.map((refund) => refund.id);
  return unknownOutcome(
    input,
    candidates.length === 0
      ? `capture ${input.payment} accepted the _refund trigger, but no new refund of its amount appeared`
      : `a refund of capture ${input.payment} may have been made, but refundkit cannot tell whether it is ` +
          `${ids.join(' or ')} (new on the capture, of its amount, and possibly made by another create)`,
    ids,
    cause,
  );
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
  /** Refunds identified as one create's, tagged or not: never a candidate of another. */
  const claimed = new Set<string>();
  const queues = new Map<string, Promise<void>>();

  function remember(entry: Unresolved) {
    const key = entry.input.idempotencyKey;
    unresolved.delete(key);
    unresolved.set(key, entry);
    if (unresolved.size > maxUnresolved) unresolved.delete(unresolved.keys().next().value as string);
  }

  function claim(entry: Unresolved, refundId: string) {
    entry.refundId = refundId;
    claimed.delete(refundId);
    claimed.add(refundId);
    if (claimed.size > maxUnresolved * 10) claimed.delete(claimed.values().next().value as string);
  }

  /**
   * The one refund the trigger of `entry` made, `undefined` when none shows yet, or `outcome_unknown` when
   * it cannot be told from refunds that another unsettled create of this capture may have made, or (unless
   * `soleWriter`) from one that another process may have made while the trigger's outcome is unknown.
   */
  function identify(
    entry: Unresolved,
    refunds: RefundResource[],
    cause?: unknown,
  ): RefundResource | undefined {
    const candidates = candidatesOf(entry, refunds, claimed);
    if (candidates.length === 0) return undefined;
    const rivals = [...unresolved.values()].filter(
      (other) =>
        other !== entry && other.refundId === undefined && other.input.payment === entry.input.payment,
    );
    const contested =
      (!entry.made && !options.soleWriter) ||
      rivals.some((other) => candidatesOf(other, refunds, claimed).includes(candidates[0]!));
    if (candidates.length > 1 || contested) throw ambiguous(entry.input, candidates, cause);
    claim(entry, candidates[0]!.id);
    return candidates[0];
  }

  /**
   * Runs the creates (and the lists that identify refunds) of one capture one after the other. The turn
   * ends when `run` settles or the attempt's signal aborts: a request that ignores its abort never blocks
   * the capture, and an ended attempt sends nothing more.
   */
  async function exclusive<T>(payment: string, signal: AbortSignal, run: () => Promise<T>): Promise<T> {
    const previous = queues.get(payment) ?? Promise.resolve();
    const current = previous.then(() => {
      signal.throwIfAborted();
      return run();
    });
    const ended = new Promise<void>((resolve) => {
      const release = whenAborted(signal, resolve);
      const end = () => {
        release();
        resolve();
      };
      current.then(end, end);
    });
    const tail = previous.then(() => ended);
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
            query: { 'page[size]': pageSize, 'page[number]': page, include: refundIncludes },
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
        params: { path: { captureId }, query: { include: refundsWithReturns } },
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
        params: { path: { captureId: input.payment }, query: { include: refundsWithReturns } },
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
   * Step 4: writes the reference, `reference_origin` and metadata onto the refund of `entry`, then forgets
   * the entry. The refund exists whatever the tag's fate: a failed tag is tried once more, then the refund is
   * returned untagged (`reference: undefined`) and the entry kept, so that the next `list` writes the tag,
   * rather than throwing after a refund was made.
   */
  async function tag(entry: Unresolved, refund: RefundResource, call: AdapterCall): Promise<Refund> {
    const { input } = entry;
    const metadata = {
      ...input.metadata,
      ...(input.reason === undefined ? {} : { refundkit_reason: input.reason }),
    };
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const { data } = await client.PATCH(
          '/refunds/{refundId}',
          {
            params: { path: { refundId: refund.id }, query: { include: refundIncludes } },
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
        if (data) {
          unresolved.delete(input.idempotencyKey);
          return toRefund(data.data, input.payment);
        }
      } catch {
        // A lost answer or no connection: try once more (the tag is idempotent).
      }
    }
    return { ...toRefund(refund, input.payment), reference: undefined };
  }

  async function create(input: AdapterCreateInput, call: AdapterCall): Promise<Refund> {
    const captureId = input.payment;
    // Nothing has been sent by this attempt yet: a failed snapshot is safe to repeat.
    const before = await snapshot(captureId, call).catch((error: unknown) => {
      throw isRefundError(error) ? markUnsent(error) : error;
    });
    if (input.amount && input.amount.currency !== before.currency) {
      throw invalidRequest('amount.currency', `the capture is in ${before.currency}`, provider);
    }

    // A trigger of this create is still unaccounted for: sending another could refund twice.
    const earlier = unresolved.get(input.idempotencyKey);
    if (earlier) {
      throw unknownOutcome(
        input,
        `an earlier trigger of this create on capture ${captureId} is unaccounted for, so none is sent again`,
        earlier.candidates ?? [],
      );
    }
    const entry: Unresolved = {
      input,
      before: new Set(before.refunds.map((refund) => refund.id)),
      made: false,
    };
    // Remembered before it is sent, so that `list` can find its refund whatever becomes of the answer,
    // even one that never comes; in the facade's journal too, for another process to `restore`. Unwritten
    // there, it is not sent.
    remember(entry);
    try {
      await call.remember?.(memoOf(entry));
    } catch (error) {
      unresolved.delete(input.idempotencyKey);
      throw error;
    }
    let after: RefundResource[] | undefined;
    try {
      after = await trigger(input, call);
    } catch (failure) {
      // Refused (4xx), throttled (429) or never sent: no refund was made.
      if (!mayHaveActed(failure)) {
        unresolved.delete(input.idempotencyKey);
        throw failure;
      }
      // The provider may have made the refund: look for it. Unfound, the entry stays for `list`.
      let refunds: RefundResource[];
      try {
        refunds = await listRefunds(captureId, call);
      } catch {
        throw failure;
      }
      const refund = identify(entry, refunds, failure);
      if (!refund) throw failure;
      return tag(entry, refund, call);
    }

    // The trigger was accepted: a refund was made. Find it among the refunds the answer included…
    entry.made = true;
    // Best effort: the refund exists whatever the journal says, and without it a restored entry is
    // only stricter (a sole new candidate is named, not claimed, unless `soleWriter`).
    await call.remember?.(memoOf(entry)).catch(() => {});
    let refund = after ? identifyMade(entry, after) : undefined;
    if (!refund) {
      // …or by listing the capture's refunds.
      let refunds: RefundResource[];
      try {
        refunds = await listRefunds(captureId, call);
      } catch (error) {
        // Made but not identified yet: the entry stays, so the facade's reconciliation (`list`) finds it.
        throw new RefundError({
          code: 'provider_error',
          provider,
          retryable: true,
          message: `${provider}: the refund of capture ${captureId} was made, but reading it back failed`,
          cause: error,
        });
      }
      refund = identify(entry, refunds);
      if (!refund) throw ambiguous(input, []);
    }
    return tag(entry, refund, call);
  }

  /** `identify` for a trigger that was accepted: `undefined` (look again by listing) unless exactly one shows. */
  function identifyMade(entry: Unresolved, refunds: RefundResource[]): RefundResource | undefined {
    try {
      return identify(entry, refunds);
    } catch {
      return undefined;
    }
  }

  return {
    provider,
    capabilities: commercelayerCapabilities,
    secrets: () => [options.accessToken],
    fetch: options.fetch,
    checkCurrency: checkIso4217Currency,
    checkPayment: (payment) =>
      /^[A-Za-z0-9]+$/.test(payment) ? undefined : 'must be a Commerce Layer capture id',
    // A short hash, as capture ids are (`xYZkjABcde`).
    checkRefundId: (id) => (/^[A-Za-z0-9]+$/.test(id) ? undefined : 'must be a Commerce Layer refund id'),

    create: (input, call) => exclusive(input.payment, call.signal, () => create(input, call)),
    candidatesFor: (input) => unresolved.get(input.idempotencyKey)?.candidates ?? [],
    restore(input, memo) {
      if (unresolved.has(input.idempotencyKey)) return true;
      const { before, made } = (memo ?? {}) as { before?: unknown; made?: unknown };
      // No memo: the trigger, which is sent only once its memo is written, never was.
      if (!Array.isArray(before)) return false;
      remember({ input, before: new Set(before.map(String)), made: made === true });
      return true;
    },

    async retrieve({ id, payment }, call) {
      const result = await client.GET(
        '/refunds/{refundId}',
        {
          // The capture is included so the refund's `payment` is known without the caller naming it.
          params: { path: { refundId: id }, query: { include: refundIncludes } },
        },
        call,
      );
      const data = successData(provider, result, toError);
      return toRefund(data.data, payment);
    },

    async list({ payment }, call) {
      const settling = () => [...unresolved.values()].filter((entry) => entry.input.payment === payment);
      if (settling().length === 0)
        return (await listRefunds(payment, call)).map((refund) => toRefund(refund, payment));
      // Remembered triggers of this capture: identified and tagged in its turn, so that a lookup by
      // reference finds their refunds.
      return exclusive(payment, call.signal, async () => {
        const refunds = await listRefunds(payment, call);
        const listed = refunds.map((refund) => toRefund(refund, payment));
        for (const entry of settling()) {
          let refund: RefundResource | undefined;
          if (entry.refundId === undefined) {
            try {
              refund = identify(entry, refunds);
            } catch (error) {
              // Ambiguous: tagged by nobody, so found by nobody; named when the facade asks.
              entry.candidates = isRefundError(error) ? error.inDoubt?.candidates : undefined;
              continue;
            }
          } else refund = refunds.find((candidate) => candidate.id === entry.refundId);
          if (!refund) continue;
          if (attributesOf(refund).reference === entry.input.reference) {
            unresolved.delete(entry.input.idempotencyKey);
            continue;
          }
          listed[refunds.indexOf(refund)] = await tag(entry, refund, call);
        }
        return listed;
      });
    },
  };
}
