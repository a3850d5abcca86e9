import {
  type ClientConfig,
  type CommonClientOptions,
  requireStringOption,
  resolveCommonOptions,
  userAgent,
} from '@refundkit/core';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/smartpay.gen.js';
import { version } from './generated/version.gen.js';

export const smartpayBaseUrl = 'https://api.smartpay.co';

export interface SmartpayClientOptions extends CommonClientOptions {
  /**
   * Secret API key, `sk_test_…` or `sk_live_…`. Sent as `Authorization: Basic <key>`: the raw key, as
   * Smartpay's own SDKs send it, not base64 of `user:password`.
   */
  secretKey: string;
}

/** An openapi-fetch client typed by Smartpay's refund API. */
export type SmartpayClient = Client<paths, 'application/json'>;

const secretKeyFormat = {
  pattern: /^sk_(test|live)_[0-9a-zA-Z]+$/,
  description: 'a Smartpay secret key (sk_test_… or sk_live_…)',
};

/** Checks the options (TypeError naming `owner` and the option) and resolves the base URL and headers. */
export function smartpayClientConfig(options: SmartpayClientOptions, owner: string): ClientConfig {
  const secretKey = requireStringOption(options, owner, 'secretKey', secretKeyFormat);
  return {
    baseUrl: resolveCommonOptions(options, owner, smartpayBaseUrl),
    headers: {
      // Before the caller's headers, so that a `User-Agent` among them replaces it.
      'User-Agent': userAgent('smartpay', version),
      ...options.headers,
      Accept: 'application/json',
      Authorization: `Basic ${secretKey}`,
    },
  };
}

/** Creates a typed Smartpay refunds client. Throws a TypeError, before any request, on bad options. */
export function createSmartpayClient(options: SmartpayClientOptions): SmartpayClient {
  const config = smartpayClientConfig(options, 'createSmartpayClient');
  return createClient<paths, 'application/json'>({ ...config, fetch: options.fetch });
}
