// Smartpay's own Node SDK (@smartpay/sdk-node, pinned) as the acceptance test of the sandbox and spec: it
// runs the whole refund lifecycle against the sandbox served on 127.0.0.1, and every call must behave as
// the SDK's code and docs say it does against the real API. Its base URL is pointed at the sandbox with
// the SDK's own `apiPrefix` option (base.ts: `options.apiPrefix || SMARTPAY_API_PREFIX || API_PREFIX`).
import { type SandboxRuntime, serveSandboxes } from '@refundkit/core/testing';
// The SDK's .d.ts files import './Smartpay' without an extension, which NodeNext cannot resolve: its
// types are `any` here, so these tests check what it does at run time.
import Smartpay from '@smartpay/sdk-node';
import { createRefunds } from 'refundkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createSmartpayClient, smartpay } from '../src/index.js';
import { createSmartpaySandbox, type SmartpaySandbox } from '../src/testing/index.js';

/** A request as it arrived on the socket. */
interface WireRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

/** Serves `sandbox` on 127.0.0.1 and records every request it receives. */
async function serveRecorded(sandbox: SmartpaySandbox) {
  const requests: WireRequest[] = [];
  const runtime: SandboxRuntime = {
    ...sandbox.runtime,
    async handle(request, path) {
      const url = new URL(request.url);
      const text = await request.clone().text();
      requests.push({
        method: request.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(request.headers),
        body: text === '' ? undefined : JSON.parse(text),
      });
      return sandbox.runtime.handle(request, path);
    },
  };
  const served = await serveSandboxes({ '': runtime });
  closers.push(served.close);
  return { url: served.origin, requests };
}

/** What a rejected SDK call threw. */
const failure = (call: () => Promise<unknown>) =>
  call().then(
    () => undefined,
    (error: unknown) => error,
  );

const lineItem = 'li_test_Lj1ofPS7HabmT3i0XsyB4V';

async function setup() {
  const sandbox = createSmartpaySandbox({ now: Date.UTC(2026, 10, 22) });
  const { url, requests } = await serveRecorded(sandbox);
  const sdk = new Smartpay(sandbox.credentials.secretKey, { apiPrefix: `${url}/v1` });
  const payment = sandbox.createPayment({
    amount: 10_000,
    currency: 'JPY',
    lineItems: [{ id: lineItem, amount: 1500, description: 'T-shirt (size M)' }],
  });
  return { sandbox, url, requests, sdk, payment };
}

describe('@smartpay/sdk-node against the Smartpay sandbox on 127.0.0.1', () => {
  it('runs the refund lifecycle: partial and full create, retrieve, expand, list with paging, update', async () => {
    const { sandbox, sdk, payment } = await setup();
    const partial = await sdk.createRefund({
      payment,
      amount: 1500,
      currency: 'JPY',
      reason: Smartpay.REFUND_REQUEST_BY_CUSTOMER,
      reference: 'rma-1042',
      description: 'Returned item',
      lineItems: [lineItem],
      metadata: { returnId: 'RMA-1042' },
      idempotencyKey: 'rk-partial-1',
    });
    expect(partial).toEqual({
      id: expect.stringMatching(/^refund_test_[0-9a-zA-Z]+$/),
      object: 'refund',
      amount: 1500,
      currency: 'JPY',
      payment,
      reason: 'requested_by_customer',
      status: 'succeeded',
      reference: 'rma-1042',
      description: 'Returned item',
      lineItems: [lineItem],
      metadata: { returnId: 'RMA-1042' },
      test: true,
      createdAt: Date.UTC(2026, 10, 22),
      updatedAt: Date.UTC(2026, 10, 22),
    });
    // The SDK requires an amount (refunds.ts `!amount`): a full refund is the amount that is left.
    const full = await sdk.refund({
      payment,
      amount: 8500,
      currency: 'JPY',
      reason: Smartpay.REFUND_FRAUDULENT,
    });
    expect(full).toMatchObject({
      object: 'refund',
      amount: 8500,
      reason: 'fraudulent',
      lineItems: [],
      metadata: {},
    });
    expect(full).not.toHaveProperty('reference');
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([1500, 8500]);

    expect(await sdk.getRefund({ id: partial.id })).toEqual(partial);
    const expanded = await sdk.getRefund({ id: partial.id, expand: 'all' });
    expect(expanded.lineItems).toEqual([
      expect.objectContaining({ id: lineItem, object: 'lineItem', amount: 1500, quantity: 1 }),
    ]);

    // Newest first, one a page: every page names its own token, the last has no next one.
    const first = await sdk.listRefunds({ maxResults: 1 });
    expect(first).toMatchObject({ object: 'collection', maxResults: 1, results: 1, data: [full] });
    expect(first.pageToken).toEqual(expect.any(String));
    const last = await sdk.listRefunds({ maxResults: 1, pageToken: first.nextPageToken!, expand: 'all' });
    expect(last).toMatchObject({ pageToken: first.nextPageToken, maxResults: 1, results: 1 });
    expect(last.nextPageToken).toBeUndefined();
    expect(last.data).toEqual([expanded]);
    // Without maxResults: the default of 20 is echoed.
    expect(await sdk.listRefunds()).toMatchObject({ maxResults: 20, results: 2, data: [full, partial] });

    // As the SDK's live test does: update only the reference, then read it back.
    const updated = await sdk.updateRefund({ id: partial.id, reference: 'updated' });
    expect(updated).toMatchObject({ id: partial.id, reference: 'updated', description: 'Returned item' });
    expect((await sdk.getRefund({ id: partial.id })).reference).toBe('updated');
  });

  it('gets the documented errors: over-refund, unknown refund and payment, bad credentials', async () => {
    const { sandbox, url, sdk, payment } = await setup();
    await sdk.createRefund({ payment, amount: 10_000, currency: 'JPY', reason: 'requested_by_customer' });
    const over = await failure(() =>
      sdk.createRefund({ payment, amount: 1, currency: 'JPY', reason: 'requested_by_customer' }),
    );
    expect(over).toMatchObject({
      name: 'SmartpayError',
      statusCode: 403,
      errorCode: 'amount.insufficient',
      details: [],
    });
    expect(sandbox.refunds()).toHaveLength(1);

    const unknownRefund = await failure(() => sdk.getRefund({ id: 'refund_test_unknown1' }));
    expect(unknownRefund).toMatchObject({ statusCode: 404, errorCode: 'refund.not-found' });
    const unknownPayment = await failure(() =>
      sdk.createRefund({
        payment: 'payment_test_unknown1',
        amount: 1,
        currency: 'JPY',
        reason: 'fraudulent',
      }),
    );
    expect(unknownPayment).toMatchObject({ statusCode: 404, errorCode: 'payment.not-found' });

    // The 401 body has no errorCode (sdk-go's N401: statusCode, scheme, realm), so the SDK's is undefined.
    const stranger = new Smartpay('sk_test_wrongKey123', { apiPrefix: `${url}/v1` });
    const unauthorized = await failure(() => stranger.listRefunds());
    expect(unauthorized).toMatchObject({ name: 'SmartpayError', statusCode: 401, errorCode: undefined });
  });

  it('retries a 503 once with the same Idempotency-Key, and the refund is made once', async () => {
    const { sandbox, requests, sdk, payment } = await setup();
    sandbox.faults.inject({ kind: 'http-503', match: { operationId: 'createRefund' } });
    const refund = await sdk.createRefund({ payment, amount: 700, currency: 'JPY', reason: 'fraudulent' });
    expect(refund.amount).toBe(700);
    const creates = requests.filter((request) => request.method === 'POST');
    expect(creates).toHaveLength(2);
    expect(creates[0]?.headers['idempotency-key']).toBe(creates[1]?.headers['idempotency-key']);
    expect(sandbox.refunds()).toHaveLength(1);
  });

  it('sends a partial refund the way createSmartpayClient and the facade do, but for the documented differences', async () => {
    const { sandbox, url, requests, sdk, payment } = await setup();
    const { secretKey } = sandbox.credentials;
    const body = {
      payment,
      amount: 1500,
      currency: 'JPY',
      reason: 'requested_by_customer',
      reference: 'rma-1042',
      metadata: { returnId: 'RMA-1042' },
    } as const;
    await sdk.createRefund({ ...body, idempotencyKey: 'rk-wire-sdk' });
    await createSmartpayClient({ secretKey, baseUrl: url }).POST('/v1/refunds', {
      params: { header: { 'Idempotency-Key': 'rk-wire-client' } },
      body,
    });
    await createRefunds({ providers: { smartpay: smartpay({ secretKey, baseUrl: url }) } }).create(
      {
        provider: 'smartpay',
        payment,
        amount: { value: 1500, currency: 'JPY' },
        reason: 'requested_by_customer',
        reference: 'rma-1042',
        metadata: { returnId: 'RMA-1042' },
      },
      { idempotencyKey: 'rk-wire-facade' },
    );
    const [viaSdk, viaClient, viaFacade] = requests;
    expect(requests).toHaveLength(3);
    const common = {
      method: 'POST',
      path: '/v1/refunds',
      body,
      headers: expect.objectContaining({
        authorization: `Basic ${secretKey}`,
        accept: 'application/json',
        'content-type': 'application/json',
      }),
    };
    expect(viaSdk).toMatchObject(common);
    expect(viaClient).toMatchObject(common);
    expect(viaFacade).toMatchObject(common);
    // Difference 1: the SDK's telemetry query; ours send none.
    expect(viaSdk?.query).toEqual({ 'dev-lang': 'nodejs', 'sdk-version': '0.9.1' });
    expect(viaClient?.query).toEqual({});
    expect(viaFacade?.query).toEqual({});
    // Difference 2: the key each sends is the caller's; without one the SDK makes a random one, the
    // client sends none and the facade a UUID (kept across its retries).
    expect([viaSdk, viaClient, viaFacade].map((request) => request?.headers['idempotency-key'])).toEqual([
      'rk-wire-sdk',
      'rk-wire-client',
      'rk-wire-facade',
    ]);
    // Difference 3: the body's key order. JSON objects are unordered, so the same body.
    expect(Object.keys(viaSdk?.body as object)).toEqual(Object.keys(body));
    // The rest of the headers are each HTTP stack's own (undici for the SDK and the client, node:http for
    // the facade): nothing Smartpay reads.
    const stackHeaders = (request: WireRequest | undefined) =>
      Object.keys(request?.headers ?? {})
        .filter((name) => !['authorization', 'accept', 'content-type', 'idempotency-key'].includes(name))
        .sort();
    expect(stackHeaders(viaSdk)).toEqual(stackHeaders(viaClient));
    expect(stackHeaders(viaFacade)).toEqual(expect.arrayContaining(['content-length', 'host']));

    // Difference 4: on a GET the SDK also sends `Content-Type` (with no body) and a random Idempotency-Key
    // (base.ts sends one on every request); the client sends neither. Neither has a documented effect.
    const id = (sandbox.refunds()[0] as { id: string }).id;
    await sdk.getRefund({ id });
    await createSmartpayClient({ secretKey, baseUrl: url }).GET('/v1/refunds/{refundId}', {
      params: { path: { refundId: id } },
    });
    const [sdkGet, clientGet] = requests.slice(3);
    expect(sdkGet).toMatchObject({ method: 'GET', path: `/v1/refunds/${id}`, body: undefined });
    expect(sdkGet?.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': expect.stringMatching(/^[0-9a-zA-Z]{32}$/),
    });
    expect(clientGet).toMatchObject({ method: 'GET', path: `/v1/refunds/${id}`, query: {}, body: undefined });
    expect(clientGet?.headers).not.toHaveProperty('content-type');
    expect(clientGet?.headers).not.toHaveProperty('idempotency-key');
  });
});
