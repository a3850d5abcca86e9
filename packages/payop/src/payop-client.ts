import {
  type ClientConfig,
  type CommonClientOptions,
  requireStringOption,
  resolveCommonOptions,
  userAgent,
} from '@refundkit/core';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/payop.gen.js';
import { version } from './generated/version.gen.js';

export const payopBaseUrl = 'https://api.payop.com';

export interface PayopClientOptions extends CommonClientOptions {
  /**
   * The merchant's JWT, created in the PayOp dashboard (there is no token-issuing endpoint). Sent as
   * `Authorization: Bearer <token>`.
   */
  token: string;
}

/** An openapi-fetch client typed by PayOp's refund API. */
export type PayopClient = Client<paths, 'application/json'>;

const tokenFormat = {
  pattern: /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/,
  description: 'a PayOp JWT (three base64url segments separated by dots)',
};

/** Checks the options (TypeError naming `owner` and the option) and resolves the base URL and headers. */
export function payopClientConfig(options: PayopClientOptions, owner: string): ClientConfig {
  const token = requireStringOption(options, owner, 'token', tokenFormat);
  return {
    baseUrl: resolveCommonOptions(options, owner, payopBaseUrl),
    headers: {
      // Before the caller's headers, so that a `User-Agent` among them replaces it.
      'User-Agent': userAgent('payop', version),
      ...options.headers,
      Accept: 'application/json',
      // PayOp requires this header on every request, GETs included; openapi-fetch itself sets it only
      // when there is a body (the facade's adapter client likewise).
      'Content-Type': 'application/json',
      Authorization: `Bearer ${token}`,
    },
  };
}

/** Creates a typed PayOp refunds client. Throws a TypeError, before any request, on bad options. */
export function createPayopClient(options: PayopClientOptions): PayopClient {
  const config = payopClientConfig(options, 'createPayopClient');
  return createClient<paths, 'application/json'>({ ...config, fetch: options.fetch });
}
