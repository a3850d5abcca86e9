// What a caller's idempotency key and reference mean: each names one logical refund, recorded in the refund
// journal (see the create protocol in create-refunds.ts). The same name with other parameters is refused,
// never answered with a different refund.
import { type AdapterCreateInput, RefundError } from '@refundkit/core';

/**
 * What a create asks for, to tell a repeated call from a reused name (the account is in every name). Kept
 * in the journal: a stable JSON string, the same in every process.
 */
export const fingerprintOf = (input: AdapterCreateInput) =>
  JSON.stringify([
    input.payment,
    input.amount?.value ?? null,
    input.amount?.currency ?? null,
    input.reason ?? null,
    input.reference,
    input.metadata === undefined ? null : Object.entries(input.metadata).sort(([a], [b]) => (a < b ? -1 : 1)),
  ]);

/** The `conflict` of a key or reference that names a refund of other parameters. */
export function reused(provider: string, field: 'idempotencyKey' | 'reference', value: string): RefundError {
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
