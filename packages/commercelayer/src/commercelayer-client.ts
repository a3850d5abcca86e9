import {
  type ClientConfig,
  type CommonClientOptions,
  requireStringOption,
  resolveCommonOptions,
  userAgent,
} from '@refundkit/core';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/commercelayer.gen.js';
import { version } from './generated/version.gen.js';

/** The JSON:API media type: Commerce Layer answers 406 without it in `Accept`, 415 without it in `Content-Type`. */
const jsonApi = 'application/vnd.api+json';

const organizationFormat = {
  pattern: /^[a-z0-9][a-z0-9-]*$/i,
  description: 'an organization slug (letters, digits and dashes)',
};

const accessTokenFormat = {
  pattern: /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/,
  description: 'a Commerce Layer access token (a JWT)',
};

/**
 * The Core API base URL of an organization, `https://<slug>.commercelayer.io/api` (the slug lower-cased,
 * as the official SDK does). Throws a TypeError when `organization` is not a slug.
 */
export function commercelayerBaseUrl(organization: string): string {
  const slug = requireStringOption(
    { organization },
    'commercelayerBaseUrl',
    'organization',
    organizationFormat,
  );
  return `https://${slug.toLowerCase()}.commercelayer.io/api`;
}

interface CommercelayerCredentials extends CommonClientOptions {
  /**
   * OAuth2 access token (a JWT) from `POST https://auth.commercelayer.io/oauth/token`, e.g. an
   * integration's `client_credentials` token. Sent as `Authorization: Bearer <token>`. It expires (2 h
   * for integrations by default): create a new client with a fresh token when it does.
   */
  accessToken: string;
}

/**
 * Options of `createCommercelayerClient`: `organization` (the slug that names the API host) is required
 * unless `baseUrl` is given, which then replaces `https://<organization>.commercelayer.io/api` entirely.
 */
export type CommercelayerClientOptions = CommercelayerCredentials &
  (
    | {
        /** The organization slug, the subdomain of the organization's API (`<slug>.commercelayer.io`). */
        organization: string;
      }
    | {
        /** Optional when `baseUrl` is given: then unused, but still checked when present. */
        organization?: string;
        /** The full API base URL (including the `/api` prefix), e.g. a sandbox. */
        baseUrl: string;
      }
  );

/** An openapi-fetch client typed by Commerce Layer's refunds API (JSON:API media type). */
export type CommercelayerClient = Client<paths, 'application/vnd.api+json'>;

/** Checks the options (TypeError naming `owner` and the option) and resolves the base URL and headers. */
export function commercelayerClientConfig(options: CommercelayerClientOptions, owner: string): ClientConfig {
  const given = options as Partial<CommercelayerCredentials & { organization: string }> | undefined;
  // Without baseUrl the slug names the host, so it is required; with baseUrl it is only checked if given.
  const organization =
    given?.baseUrl === undefined || given.organization !== undefined
      ? requireStringOption(options, owner, 'organization', organizationFormat)
      : undefined;
  const accessToken = requireStringOption(options, owner, 'accessToken', accessTokenFormat);
  const defaultBaseUrl = organization === undefined ? '' : commercelayerBaseUrl(organization);
  return {
    baseUrl: resolveCommonOptions(options, owner, defaultBaseUrl),
    // Set after the caller's headers so they win over them, and as client headers so they win over
    // openapi-fetch's default `Content-Type: application/json` for bodies.
    headers: {
      // Before the caller's headers, so that a `User-Agent` among them replaces it.
      'User-Agent': userAgent('commercelayer', version),
      ...options.headers,
      Accept: jsonApi,
      'Content-Type': jsonApi,
      Authorization: `Bearer ${accessToken}`,
    },
  };
}

/**
 * Creates a typed Commerce Layer refunds client. Every request sends `Accept` and `Content-Type:
 * application/vnd.api+json` (as the official SDK does) and `Authorization: Bearer <accessToken>`.
 * Throws a TypeError, before any request, on bad options.
 */
export function createCommercelayerClient(options: CommercelayerClientOptions): CommercelayerClient {
  const config = commercelayerClientConfig(options, 'createCommercelayerClient');
  return createClient<paths, 'application/vnd.api+json'>({ ...config, fetch: options.fetch });
}
