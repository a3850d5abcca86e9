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
  /** The input it is sent with: its reference and idempotency key are fixed for good. */
  readonly input: AdapterCreateInput;
  state: LogicalState;
}

/** Settled logical refunds remembered at most; in-flight ones are never forgotten. */
const maxSettled = 10_000;

/** What a create asks for, to tell a repeated call from a reused name (the provider is in every name). */
const fingerprintOf = (input: AdapterCreateInput) =>
  JSON.stringify([
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
   * The logical refund a create names, `known` when an earlier call took it up, else taken up now (the caller
   * sets its state). Its names: its idempotency key (the caller's or a generated one), and its reference
   * when the caller chose it. Throws `conflict` when a name is taken by a refund of other parameters.
   */
  take(
    provider: string,
    input: AdapterCreateInput,
    callerReference: boolean,
  ): { refund: LogicalRefund; known: boolean };
  /** Records how a call of `refund` ended: made, in doubt, or certainly not made (then it is forgotten). */
  settle(refund: LogicalRefund, outcome: { made: Refund } | { inDoubt: true } | { notMade: true }): void;
}

export function createLogicalRefunds(): LogicalRefunds {
  const byName = new Map<string, LogicalRefund>();
  const namesOf = new Map<LogicalRefund, string[]>();

  function forget(refund: LogicalRefund) {
    for (const name of namesOf.get(refund) ?? []) if (byName.get(name) === refund) byName.delete(name);
    namesOf.delete(refund);
  }

  return {
    take(provider, input, callerReference) {
      const names = [
        // Generated keys too: an `outcome_unknown` hands its key to the caller to settle the refund with.
        `key ${JSON.stringify([provider, input.idempotencyKey])}`,
        // A reference is looked for among one payment's refunds, so it names a refund of that payment.
        ...(callerReference
          ? [`reference ${JSON.stringify([provider, input.payment, input.reference])}`]
          : []),
      ];
      let found: LogicalRefund | undefined;
      for (const name of names) {
        const refund = byName.get(name);
        if (!refund) continue;
        // Compared only when a name is taken, which a fresh generated key never is.
        if ((found && found !== refund) || fingerprintOf(refund.input) !== fingerprintOf(input)) {
          const field = name.startsWith('key') ? 'idempotencyKey' : 'reference';
          throw reused(provider, field, field === 'idempotencyKey' ? input.idempotencyKey : input.reference);
        }
        found = refund;
      }
      if (found) return { refund: found, known: true };
      // The state is the caller's to set before anything else can look.
      const refund: LogicalRefund = { input, state: { kind: 'in_doubt' } };
      namesOf.set(refund, names);
      for (const name of names) byName.set(name, refund);
      return { refund, known: false };
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
