// One create-refund request per provider, as a hand-written `fetch` call would send it, plus format-valid
// fake credentials and the facade input that makes the same call. The bodies are the specs' examples.

/** A syntactically valid JWT (header.payload.signature); nothing checks its signature on loopback. */
export const fakeJwt =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJvcmdhbml6YXRpb24iOnsic2x1ZyI6ImJlbmNoIn19.c2lnbmF0dXJl';

export const credentials = {
  commercelayer: { organization: 'bench', accessToken: fakeJwt },
  payop: { token: fakeJwt },
  smartpay: { secretKey: 'sk_test_1BeNcHmArKkEy2' },
  geins: { apiKey: 'bench-api-key', username: 'bench', password: 'bench-password' },
};

const json = 'application/json';
const jsonApi = 'application/vnd.api+json';

/** `{ method, path, headers, body }` of each provider's create call; `path` is relative to the API base URL. */
export const createRequests = {
  commercelayer: {
    method: 'PATCH',
    path: '/captures/kQWhMCvDPm',
    headers: { Accept: jsonApi, 'Content-Type': jsonApi, Authorization: `Bearer ${fakeJwt}` },
    body: {
      data: { type: 'captures', id: 'kQWhMCvDPm', attributes: { _refund: true, _refund_amount_cents: 500 } },
    },
  },
  payop: {
    method: 'POST',
    path: '/v1/refunds/create',
    headers: { Accept: json, 'Content-Type': json, Authorization: `Bearer ${fakeJwt}` },
    body: {
      transactionIdentifier: 'd839c714-7743-47cf-8f9d-73592597c6e1',
      refundType: 2,
      amount: 10,
      metadata: { refundkit_reference: 'bench-0001' },
    },
  },
  smartpay: {
    method: 'POST',
    path: '/v1/refunds',
    headers: {
      Accept: json,
      'Content-Type': json,
      Authorization: 'Basic sk_test_1BeNcHmArKkEy2',
      'Idempotency-Key': '4f7c3b1e-2d9a-4e8b-9a61-0c5d7e3f2a18',
    },
    body: {
      payment: 'payment_test_GDEATBKK8XAp9XGf6J4U4',
      amount: 1500,
      currency: 'JPY',
      reason: 'requested_by_customer',
      reference: 'creditmemo_000000123',
    },
  },
  geins: {
    method: 'POST',
    path: '/API/Order/55812/Refund',
    headers: {
      Accept: json,
      'Content-Type': json,
      'X-ApiKey': 'bench-api-key',
      Authorization: `Basic ${btoa('bench:bench-password')}`,
    },
    body: {
      Reference: 'RMA-2024-0192',
      Description: 'Damaged on arrival',
      Author: 'refundkit',
      RefundAmount: 499,
    },
  },
};

/** What `refunds.create` is called with for each provider (the facade adds reference and idempotency key). */
export const facadeInputs = {
  commercelayer: { payment: 'kQWhMCvDPm', amount: { value: 500, currency: 'EUR' } },
  payop: { payment: 'd839c714-7743-47cf-8f9d-73592597c6e1', amount: { value: 1000, currency: 'USD' } },
  smartpay: { payment: 'payment_test_GDEATBKK8XAp9XGf6J4U4', amount: { value: 1500, currency: 'JPY' } },
  geins: { payment: '55812', amount: { value: 49900, currency: 'SEK' } },
};
