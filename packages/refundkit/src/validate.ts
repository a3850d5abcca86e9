import { invalidRequest, type Money, type ProviderCapabilities, type RefundAdapter } from '@refundkit/core';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The configured adapter named by `input.provider`, or an invalid_request error. */
export function resolveProvider(providers: Record<string, RefundAdapter>, input: unknown): RefundAdapter {
  if (!isRecord(input)) throw invalidRequest('input', 'must be an object');
  const name = input.provider;
  if (typeof name !== 'string' || name === '') throw invalidRequest('provider', 'is required');
  const adapter = Object.hasOwn(providers, name) ? providers[name] : undefined;
  if (!adapter) {
    throw invalidRequest(
      'provider',
      `"${name}" is not configured (configured: ${Object.keys(providers).join(', ') || 'none'})`,
    );
  }
  return adapter;
}

export function checkPayment(adapter: RefundAdapter, payment: unknown): string {
  if (typeof payment !== 'string' || payment.trim() === '')
    throw invalidRequest('payment', 'is required', adapter.provider);
  const problem = adapter.checkPayment(payment);
  if (problem) throw invalidRequest('payment', problem, adapter.provider);
  return payment;
}

export function checkAmount(adapter: RefundAdapter, amount: unknown): Money | undefined {
  const { provider, capabilities } = adapter;
  if (amount === undefined) {
    if (!capabilities.fullRefundWithoutAmount)
      throw invalidRequest('amount', `is required by ${provider}`, provider);
    return undefined;
  }
  if (!isRecord(amount)) throw invalidRequest('amount', 'must be { value, currency }', provider);
  const { value, currency } = amount;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalidRequest(
      'amount.value',
      'must be a positive safe integer of minor units (1505 for 15.05)',
      provider,
    );
  }
  // The adapter knows the currencies its provider takes (not every bundle needs the whole ISO table).
  if (typeof currency !== 'string' || adapter.currencyExponent(currency) === undefined) {
    throw invalidRequest(
      'amount.currency',
      capabilities.currencies === 'any'
        ? 'must be an active ISO 4217 code in upper case, e.g. "EUR"'
        : `${provider} refunds only in ${capabilities.currencies.join(', ')}`,
      provider,
    );
  }
  return { value, currency };
}

export function checkReason(
  capabilities: ProviderCapabilities,
  reason: unknown,
  provider: string,
): string | undefined {
  if (reason === undefined) return undefined;
  if (typeof reason !== 'string' || !capabilities.reasons.includes(reason)) {
    throw invalidRequest('reason', `must be one of ${capabilities.reasons.join(', ')}`, provider);
  }
  return reason;
}

export function checkReference(capabilities: ProviderCapabilities, reference: unknown, provider: string) {
  const max = capabilities.referenceMaxLength;
  if (
    reference !== undefined &&
    (typeof reference !== 'string' || reference.length === 0 || reference.length > max)
  ) {
    throw invalidRequest('reference', `must be a string of 1 to ${max} characters`, provider);
  }
  return reference;
}

export function checkMetadata(
  capabilities: ProviderCapabilities,
  metadata: unknown,
  provider: string,
): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  const limits = capabilities.metadata;
  if (!limits) throw invalidRequest('metadata', `${provider} keeps no metadata`, provider);
  if (!isRecord(metadata)) throw invalidRequest('metadata', 'must be an object of strings', provider);
  const entries = Object.entries(metadata);
  if (entries.length > limits.maxKeys)
    throw invalidRequest('metadata', `has more than ${limits.maxKeys} keys`, provider);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > limits.maxKeyLength) {
      throw invalidRequest(
        `metadata.${key}`,
        `keys must have 1 to ${limits.maxKeyLength} characters`,
        provider,
      );
    }
    if (typeof value !== 'string' || value.length > limits.maxValueLength) {
      throw invalidRequest(
        `metadata.${key}`,
        `must be a string of at most ${limits.maxValueLength} characters`,
        provider,
      );
    }
  }
  return metadata as Record<string, string>;
}

/** Sent as a header, so visible ASCII only: anything else would fail (or be trimmed) on the way out. */
export function checkIdempotencyKey(key: unknown): string | undefined {
  if (key !== undefined && (typeof key !== 'string' || !/^[!-~]{1,255}$/.test(key))) {
    throw invalidRequest('idempotencyKey', 'must be 1 to 255 visible ASCII characters');
  }
  return key;
}

export function checkId(id: unknown, provider: string): string {
  if (typeof id !== 'string' || id.trim() === '') throw invalidRequest('id', 'is required', provider);
  return id;
}
