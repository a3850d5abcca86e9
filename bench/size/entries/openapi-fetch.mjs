// openapi-fetch alone, one call: the floor under every refundkit client.
import createClient from 'openapi-fetch';

const client = createClient({
  baseUrl: 'https://api.smartpay.co',
  headers: { Authorization: 'Basic sk_test_x' },
});

export const refund = (body) => client.POST('/v1/refunds', { body });
