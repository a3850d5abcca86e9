import {
  currencyExponent,
  type Money,
  minorUnitsToDecimal,
  type ProviderCapabilities,
  type RefundAdapter,
  RefundError,
} from '@refundkit/core';

function invalid(field: string, message: string, provider?: string): RefundError {
  return new RefundError({ code: 'invalid_request', field, provider, message: `${field}: ${message}` });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The configured adapter named by `input.provider`, or an invalid_request error. */
export function resolveProvider(providers: Record<string, RefundAdapter>, input: unknown): RefundAdapter {
  if (!isRecord(input)) throw invalid('input', 'must be an object');
  const name = input.provider;
  if (typeof name !== 'string' || name === '') throw invalid('provider', 'is required');
  const adapter = Object.hasOwn(providers, name) ? providers[name] : undefined;
  if (!adapter) {
    throw invalid(
      'provider',
      `"${name}" is not configured (configured: ${Object.keys(providers).join(', ') || 'none'})`,
    );
  }
  return adapter;
}

export function checkPayment(adapter: RefundAdapter, payment: unknown): string {
  if (typeof payment !== 'string' || payment.trim() === '')
    throw invalid('payment', 'is required', adapter.provider);
  const problem = adapter.checkPayment(payment);
  if (problem) throw invalid('payment', problem, adapter.provider);
  return payment;
}

export function checkAmount(adapter: RefundAdapter, amount: unknown): Money | undefined {
  const { provider, capabilities } = adapter;
  if (amount === undefined) {
    if (!capabilities.fullRefundWithoutAmount)
      throw invalid('amount', `is required by ${provider}`, provider);
    return undefined;
  }
  if (!isRecord(amount)) throw invalid('amount', 'must be { value, currency }', provider);
  const { value, currency } = amount;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalid('amount.value', 'must be an integer number of minor units (e.g. 1505 for 15.05)', provider);
  }
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw invalid('amount.value', 'must be a positive safe integer', provider);
  }
  if (typeof currency !== 'string' || currencyExponent(currency) === undefined) {
    throw invalid('amount.currency', 'must be an active ISO 4217 code in upper case, e.g. "EUR"', provider);
  }
  if (capabilities.currencies !== 'any' && !capabilities.currencies.includes(currency)) {
    throw invalid(
      'amount.currency',
      `${provider} refunds only in ${capabilities.currencies.join(', ')}`,
      provider,
    );
  }
  try {
    minorUnitsToDecimal(value, currencyExponent(currency)!);
  } catch {
    throw invalid('amount.value', 'is too large to send exactly', provider);
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
    throw invalid('reason', `must be one of ${capabilities.reasons.join(', ')}`, provider);
  }
  return reason;
}

export function checkReference(capabilities: ProviderCapabilities, reference: unknown, provider: string) {
  const max = capabilities.referenceMaxLength;
  if (
    reference !== undefined &&
    (typeof reference !== 'string' || reference.length === 0 || reference.length > max)
  ) {
    throw invalid('reference', `must be a string of 1 to ${max} characters`, provider);
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
  if (!limits) throw invalid('metadata', `${provider} keeps no metadata`, provider);
  if (!isRecord(metadata)) throw invalid('metadata', 'must be an object of strings', provider);
  const entries = Object.entries(metadata);
  if (entries.length > limits.maxKeys)
    throw invalid('metadata', `has more than ${limits.maxKeys} keys`, provider);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > limits.maxKeyLength) {
      throw invalid(`metadata.${key}`, `keys must have 1 to ${limits.maxKeyLength} characters`, provider);
    }
    if (typeof value !== 'string' || value.length > limits.maxValueLength) {
      throw invalid(
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
    throw invalid('idempotencyKey', 'must be 1 to 255 visible ASCII characters');
  }
  return key;
}

export function checkId(id: unknown, provider: string): string {
  if (typeof id !== 'string' || id.trim() === '') throw invalid('id', 'is required', provider);
  return id;
}
