// What a caller's idempotency key and reference mean: each names one logical refund. Calls that name one
// while it is in flight join it; after it was made they get it back; after its outcome stayed unknown they
// settle it (see the create protocol in create-refunds.ts). The same name with other parameters is refused,
// never answered with a different refund. Kept in memory, per `createRefunds` instance.
import { type AdapterCreateInput, type Refund, RefundError } from '@refundkit/core';

/** Where a logical refund stands once a call has taken it up. */
export type LogicalState =
  | { kind: 'in_flight'; result: Promise<Refund> }
  | { kind: 'made'; refund: Refund }
  /** Its last call ended in `outcome_unknown`: the next one settles it, never sending a second refund. */
  | { kind: 'in_doubt' };

export interface LogicalRefund {
  /** What was asked for: a call naming this refund with anything else is refused. */
  readonly fingerprint: string;
  /** The input it is sent with: its reference and idempotency key are fixed for good. */
  readonly input: AdapterCreateInput;
  state: LogicalState;
}

/** Settled logical refunds remembered at most; in-flight ones are never forgotten. */
const maxSettled = 10_000;

const fingerprintOf = (provider: string, input: AdapterCreateInput) =>
  JSON.stringify([
    provider,
    input.payment,
    input.amount?.value ?? null,
    input.amount?.currency ?? null,
    input.reason ?? null,
    input.reference,
    input.metadata === undefined ? null : Object.entries(input.metadata).sort(([a], [b]) => (a < b ? -1 : 1)),
  ]);

function reused(provider: string, field: 'idempotencyKey' | 'reference', value: string): RefundError {
  return new RefundError({
    code: 'conflict',
    provider,
    field,
    retryable: false,
    message:
      `${field}: "${value}" already names another refund (other payment, amount, reason, reference or ` +
      'metadata). A key or reference names one refund: use a new one for another refund.',
  });
}

export interface LogicalRefunds {
  /**
   * The logical refund a create names, or `undefined` for a new one: by its idempotency key (the caller's or
   * a generated one), and by its reference when the caller chose it. Throws `conflict` when a name is taken
   * by a refund with other parameters.
   */
  find(provider: string, input: AdapterCreateInput, callerReference: boolean): LogicalRefund | undefined;
  /** Takes up a new logical refund under its names. */
  open(provider: string, input: AdapterCreateInput, callerReference: boolean): LogicalRefund;
  /** Records how a call of `refund` ended: made, in doubt, or certainly not made (then it is forgotten). */
  settle(refund: LogicalRefund, outcome: { made: Refund } | { inDoubt: true } | { notMade: true }): void;
}

export function createLogicalRefunds(): LogicalRefunds {
  const byName = new Map<string, LogicalRefund>();
  const namesOf = new Map<LogicalRefund, string[]>();

  const nameList = (provider: string, input: AdapterCreateInput, callerReference: boolean) => [
    // Generated keys too: an `outcome_unknown` hands its key to the caller to settle the refund with.
    `key ${JSON.stringify([provider, input.idempotencyKey])}`,
    // A reference is looked for among one payment's refunds, so it names a refund of that payment.
    ...(callerReference ? [`reference ${JSON.stringify([provider, input.payment, input.reference])}`] : []),
  ];

  function forget(refund: LogicalRefund) {
    for (const name of namesOf.get(refund) ?? []) if (byName.get(name) === refund) byName.delete(name);
    namesOf.delete(refund);
  }

  return {
    find(provider, input, callerReference) {
      const fingerprint = fingerprintOf(provider, input);
      let found: LogicalRefund | undefined;
      for (const name of nameList(provider, input, callerReference)) {
        const refund = byName.get(name);
        if (!refund) continue;
        if (refund.fingerprint !== fingerprint || (found && found !== refund)) {
          const field = name.startsWith('key') ? 'idempotencyKey' : 'reference';
          throw reused(provider, field, field === 'idempotencyKey' ? input.idempotencyKey : input.reference);
        }
        found = refund;
      }
      return found;
    },

    open(provider, input, callerReference) {
      const refund: LogicalRefund = {
        fingerprint: fingerprintOf(provider, input),
        input,
        state: { kind: 'in_doubt' },
      };
      const list = nameList(provider, input, callerReference);
      namesOf.set(refund, list);
      for (const name of list) byName.set(name, refund);
      return refund;
    },

    settle(refund, outcome) {
      if ('notMade' in outcome) return forget(refund);
      refund.state = 'made' in outcome ? { kind: 'made', refund: outcome.made } : { kind: 'in_doubt' };
      // Settled refunds are forgotten oldest first beyond the cap, those made before those in doubt.
      if (namesOf.size <= maxSettled) return;
      let oldest: LogicalRefund | undefined;
      for (const candidate of namesOf.keys()) {
        if (candidate.state.kind === 'made') {
          oldest = candidate;
          break;
        }
        if (candidate.state.kind === 'in_doubt') oldest ??= candidate;
      }
      if (oldest) forget(oldest);
    },
  };
}
