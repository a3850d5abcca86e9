// The providers' own SDKs, pointed at the loopback server.
import { createRequests, credentials } from '../lib/fixtures.mjs';
import { load, Skip } from './skip.mjs';

/**
 * @commercelayer/sdk's per-instance client (the `/bundle` entry the SDK recommends). It always builds
 * `https://<org>.<domain>/api/...`, so its documented `fetch` option rewrites the origin to loopback.
 */
export const commercelayerSdk = () => ({
  id: 'sdk:commercelayer',
  label: '@commercelayer/sdk (bundle client)',
  group: 'official',
  provider: 'commercelayer',
  async setup({ baseUrl }) {
    const { CommerceLayer } = await load('@commercelayer/sdk/bundle');
    const base = baseUrl('commercelayer');
    const cl = CommerceLayer({
      ...credentials.commercelayer,
      domain: 'commercelayer.io',
      fetch: (url, init) => fetch(base + url.pathname.slice('/api'.length) + url.search, init),
    });
    const { id, attributes } = createRequests.commercelayer.body.data;
    return () => cl.captures.update({ id, ...attributes });
  },
});

/** @smartpay/sdk-node (node-fetch 2 via isomorphic-unfetch, fetch-retry), with its `apiPrefix` option. */
export const smartpaySdk = () => ({
  id: 'sdk:smartpay',
  label: '@smartpay/sdk-node',
  group: 'official',
  provider: 'smartpay',
  async setup({ baseUrl }) {
    const { default: Smartpay } = await load('@smartpay/sdk-node');
    const smartpay = new Smartpay(credentials.smartpay.secretKey, { apiPrefix: `${baseUrl('smartpay')}/v1` });
    const { headers, body } = createRequests.smartpay;
    return () => smartpay.createRefund({ ...body, idempotencyKey: headers['Idempotency-Key'] });
  },
});

/** @geins/sdk-api-mgmt-javascript 1.7.4 has no create-refund operation: sizes and import time only. */
export const geinsSdk = () => ({
  id: 'sdk:geins',
  label: '@geins/sdk-api-mgmt-javascript',
  group: 'official',
  provider: 'geins',
  async setup() {
    throw new Skip('1.7.4 has no create-refund operation (only getRefundById, setRefundAsProcessed)');
  },
});
