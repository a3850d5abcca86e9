import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isRefundError, RefundError } from '../src/refund-error.js';

describe('RefundError', () => {
  const error = new RefundError({
    code: 'insufficient_funds',
    message: 'Only ¥500 is left to refund on payment_test_1.',
    provider: 'smartpay',
    status: 403,
    providerCode: 'amount.insufficient',
    raw: { errorCode: 'amount.insufficient' },
  });

  it('is an Error with a stable shape', () => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RefundError');
    expect(error.retryable).toBe(false);
    expect(isRefundError(error)).toBe(true);
    expect(isRefundError(new Error('x'))).toBe(false);
  });

  it('serializes every field to JSON', () => {
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'RefundError',
      code: 'insufficient_funds',
      message: 'Only ¥500 is left to refund on payment_test_1.',
      provider: 'smartpay',
      status: 403,
      providerCode: 'amount.insufficient',
      retryable: false,
      raw: { errorCode: 'amount.insufficient' },
    });
    expect(inspect(error)).toContain('amount.insufficient');
  });
});
