// The typed @refundkit/<provider> clients (openapi-fetch underneath), making the same create call.
import { createRequests, credentials } from '../lib/fixtures.mjs';
import { expectOk, load, Skip } from './skip.mjs';

const calls = {
  commercelayer: async (baseUrl) => {
    const { createCommercelayerClient } = await load('@refundkit/commercelayer');
    const client = createCommercelayerClient({ ...credentials.commercelayer, baseUrl });
    const { body } = createRequests.commercelayer;
    return () =>
      client.PATCH('/captures/{captureId}', { params: { path: { captureId: body.data.id } }, body });
  },
  payop: async (baseUrl) => {
    const { createPayopClient } = await load('@refundkit/payop');
    const client = createPayopClient({ ...credentials.payop, baseUrl });
    const { body } = createRequests.payop;
    return () => client.POST('/v1/refunds/create', { body });
  },
  smartpay: async (baseUrl) => {
    const { createSmartpayClient } = await load('@refundkit/smartpay');
    const client = createSmartpayClient({ ...credentials.smartpay, baseUrl });
    const { body, headers } = createRequests.smartpay;
    const header = { 'Idempotency-Key': headers['Idempotency-Key'] };
    return () => client.POST('/v1/refunds', { params: { header }, body });
  },
  geins: async (baseUrl) => {
    const { createGeinsClient } = await load('@refundkit/geins');
    const client = createGeinsClient({ ...credentials.geins, baseUrl });
    const { body } = createRequests.geins;
    return () => client.POST('/API/Order/{orderId}/Refund', { params: { path: { orderId: 55812 } }, body });
  },
};

export const refundkitClient = (provider) => ({
  id: `client:${provider}`,
  label: `@refundkit/${provider} client`,
  group: 'refundkit',
  provider,
  async setup({ baseUrl }) {
    if (!calls[provider]) throw new Skip(`no client call defined for ${provider}`);
    const call = await calls[provider](baseUrl(provider));
    return async () => {
      const { data, error, response } = await call();
      if (error) expectOk(response.status, `@refundkit/${provider}`);
      return data;
    };
  },
});
