import { RefundError, type RefundErrorCode } from './refund-error.js';

/**
 * The common request-id headers. None of the four providers documents one (see the fact sheets), so these
 * are the usual names, read when present.
 */
const requestIdHeaders = ['x-request-id', 'request-id'];

export function requestIdOf(response: Response): string | undefined {
  for (const name of requestIdHeaders) {
    const value = response.headers.get(name);
    if (value) return value;
  }
  return undefined;
}

/** Codes every provider shares for HTTP statuses its own error body does not refine. */
export function codeForStatus(status: number): RefundErrorCode {
  if (status === 401 || status === 403) return 'authentication';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'provider_error';
  return 'invalid_request';
}

/** Statuses after which the same request may succeed: timeouts, throttling and server failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A RefundError for a provider's non-2xx answer; `code` and `providerCode` refine the defaults. */
export function providerError(
  provider: string,
  response: Response,
  body: unknown,
  details: { code?: RefundErrorCode; providerCode?: string | undefined; message?: string | undefined } = {},
): RefundError {
  const code = details.code ?? codeForStatus(response.status);
  return new RefundError({
    code,
    provider,
    status: response.status,
    providerCode: details.providerCode,
    requestId: requestIdOf(response),
    retryable: isRetryableStatus(response.status),
    retryAfterMs: retryAfterMs(response),
    message: `${provider} answered ${response.status}${details.message ? `: ${details.message}` : ''}`,
    raw: body,
  });
}

/**
 * The data of an openapi-fetch result, or the error to throw. Checks `response.ok` rather than `error`,
 * because openapi-fetch leaves `error` undefined for a non-2xx answer with an empty body. A 2xx without a
 * body is a retryable provider_error: after a create, it makes the facade reconcile instead of giving up.
 */
export function successData<T>(
  provider: string,
  result: { data?: T; error?: unknown; response: Response },
  toError: (response: Response, body: unknown) => RefundError,
): T {
  if (!result.response.ok) throw toError(result.response, result.error);
  if (result.data === undefined || result.data === null) {
    throw new RefundError({
      code: 'provider_error',
      provider,
      retryable: true,
      requestId: requestIdOf(result.response),
      message: `${provider} answered ${result.response.status} without a body`,
    });
  }
  return result.data;
}
