// How a create ended, for tests that look at refunds and errors side by side.
import { type Refund, RefundError } from '@refundkit/core';

/** The refund, or the RefundError (anything else fails the test). */
export async function outcome(promise: Promise<Refund>): Promise<{ refund?: Refund; error?: RefundError }> {
  try {
    return { refund: await promise };
  } catch (error) {
    if (!(error instanceof RefundError)) throw error;
    return { error };
  }
}
