// Baselines: what a refund costs with no client library at all.
import { createRequests } from '../lib/fixtures.mjs';
import { expectOk, load } from './skip.mjs';

/** A hand-written `fetch()` of the provider's create call: the yardstick every ratio is taken against. */
export const bareFetch = (provider) => ({
  id: `fetch:${provider}`,
  label: 'fetch (bare)',
  group: 'baseline',
  provider,
  async setup({ baseUrl }) {
    const { method, path, headers, body } = createRequests[provider];
    const url = baseUrl(provider) + path;
    return async () => {
      const response = await fetch(url, { method, headers, body: JSON.stringify(body) });
      expectOk(response.status, 'fetch');
      return response.json();
    };
  },
});

/** node:http with a keep-alive agent: below fetch, for reference. */
export const nodeHttp = (provider) => ({
  id: `node-http:${provider}`,
  label: 'node:http keep-alive',
  group: 'baseline',
  provider,
  async setup({ baseUrl }) {
    const http = await load('node:http');
    const agent = new http.Agent({ keepAlive: true });
    const { method, path, headers, body } = createRequests[provider];
    const url = new URL(baseUrl(provider) + path);
    return () =>
      new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const request = http.request(
          url,
          { method, agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(payload) } },
          (response) => {
            const chunks = [];
            response.on('data', (chunk) => chunks.push(chunk));
            response.on('end', () => {
              try {
                expectOk(response.statusCode, 'node:http');
                resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
              } catch (error) {
                reject(error);
              }
            });
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(payload);
      });
  },
});

/** openapi-fetch on its own (untyped here), the library the refundkit clients are built on. */
export const bareOpenapiFetch = (provider) => ({
  id: `openapi-fetch:${provider}`,
  label: 'openapi-fetch (bare)',
  group: 'baseline',
  provider,
  async setup({ baseUrl }) {
    const { default: createClient } = await load('openapi-fetch');
    const { method, path, headers, body } = createRequests[provider];
    const client = createClient({ baseUrl: baseUrl(provider), headers });
    return async () => {
      const { data, error, response } = await client.request(method, path, { body });
      if (error) expectOk(response.status, 'openapi-fetch');
      return data;
    };
  },
});

/** axios, the usual generic HTTP client (http.globalAgent, keep-alive by default since Node 19). */
export const axiosClient = (provider) => ({
  id: `axios:${provider}`,
  label: 'axios 1.x',
  group: 'official',
  provider,
  async setup({ baseUrl }) {
    const { default: axios } = await load('axios');
    const { method, path, headers, body } = createRequests[provider];
    const client = axios.create({ baseURL: baseUrl(provider), headers });
    return async () => (await client.request({ method, url: path, data: body })).data;
  },
});
