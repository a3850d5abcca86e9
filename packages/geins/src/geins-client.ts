import {
  type ClientConfig,
  type CommonClientOptions,
  requireStringOption,
  resolveCommonOptions,
  userAgent,
} from '@refundkit/core';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/geins.gen.js';
import { version } from './generated/version.gen.js';

export const geinsBaseUrl = 'https://mgmtapi.geins.io';

export interface GeinsClientOptions extends CommonClientOptions {
  /** The Management API key of a Geins API user. Sent as `X-ApiKey: <apiKey>`. */
  apiKey: string;
  /**
   * The API user's username. Sent, with `password`, as `Authorization: Basic base64(username:password)`
   * (UTF-8). Must not contain `:` (RFC 7617).
   */
  username: string;
  /** The API user's password. Geins requires both the API key and Basic auth on every request. */
  password: string;
}

/** An openapi-fetch client typed by the refund endpoints of the Geins Management API. */
export type GeinsClient = Client<paths, 'application/json'>;

/**
 * base64 of the UTF-8 bytes of `username:password` (RFC 7617), with platform APIs only (`TextEncoder`,
 * `btoa`) so the client also runs on edge runtimes without `Buffer`.
 */
export function basicCredentials(username: string, password: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(`${username}:${password}`)) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}

/** Checks the options (TypeError naming `owner` and the option) and resolves the base URL and headers. */
export function geinsClientConfig(options: GeinsClientOptions, owner: string): ClientConfig {
  const apiKey = requireStringOption(options, owner, 'apiKey');
  const username = requireStringOption(options, owner, 'username');
  if (username.includes(':')) {
    // RFC 7617: the user-id of Basic credentials cannot contain a colon.
    throw new TypeError(`${owner}: option "username" must not contain ":".`);
  }
  const password = requireStringOption(options, owner, 'password');
  return {
    baseUrl: resolveCommonOptions(options, owner, geinsBaseUrl),
    headers: {
      // Before the caller's headers, so that a `User-Agent` among them replaces it.
      'User-Agent': userAgent('geins', version),
      ...options.headers,
      Accept: 'application/json',
      'X-ApiKey': apiKey,
      Authorization: `Basic ${basicCredentials(username, password)}`,
    },
  };
}

/** Creates a typed Geins refunds client. Throws a TypeError, before any request, on bad options. */
export function createGeinsClient(options: GeinsClientOptions): GeinsClient {
  const config = geinsClientConfig(options, 'createGeinsClient');
  return createClient<paths, 'application/json'>({ ...config, fetch: options.fetch });
}
