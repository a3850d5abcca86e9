import { describe, expectTypeOf, it } from 'vitest';
import {
  type CommercelayerCaptureResponse,
  type CommercelayerClient,
  type CommercelayerErrors,
  type CommercelayerOrder,
  type CommercelayerRefund,
  type CommercelayerRefundAttributes,
  type CommercelayerRefundListResponse,
  type CommercelayerRefundResponse,
  type CommercelayerReturn,
  createCommercelayerClient,
} from '../src/index.js';

const client = createCommercelayerClient({ organization: 'acme', accessToken: 'h.p.s' });
const refundId = { path: { refundId: 'xYZkjABcde' } };
const captureId = { path: { captureId: 'kQWhMCvDPm' } };

describe('Commerce Layer client types', () => {
  it('is an openapi-fetch client of the JSON:API media type', () => {
    expectTypeOf(client).toEqualTypeOf<CommercelayerClient>();
  });

  it('keeps the real attribute types the seed wrote as strings', () => {
    expectTypeOf<CommercelayerRefundAttributes['amount_cents']>().toEqualTypeOf<number>();
    expectTypeOf<CommercelayerRefundAttributes['amount_float']>().toEqualTypeOf<number>();
    expectTypeOf<CommercelayerRefundAttributes['succeeded']>().toEqualTypeOf<boolean>();
    expectTypeOf<CommercelayerRefund['type']>().toEqualTypeOf<'refunds'>();
  });

  it('requires the fields the spec requires', () => {
    void client.PATCH('/refunds/{refundId}', {
      params: refundId,
      // @ts-expect-error data.id is required
      body: { data: { type: 'refunds', attributes: { reference: 'x' } } },
    });
    void client.PATCH('/refunds/{refundId}', {
      params: refundId,
      // @ts-expect-error data.attributes is required
      body: { data: { type: 'refunds', id: 'xYZkjABcde' } },
    });
    // @ts-expect-error the body is required
    void client.PATCH('/captures/{captureId}', { params: captureId });
    // @ts-expect-error refundId is a required path parameter
    void client.GET('/refunds/{refundId}', {});
    // @ts-expect-error captureId is a required path parameter
    void client.GET('/captures/{captureId}/refunds', { params: { path: {} } });
  });

  it('rejects wrong bodies, wrong enum values and undeclared operations', () => {
    void client.PATCH('/refunds/{refundId}', {
      params: refundId,
      // @ts-expect-error the resource type of a refund is 'refunds'
      body: { data: { type: 'captures', id: 'xYZkjABcde', attributes: {} } },
    });
    void client.PATCH('/captures/{captureId}', {
      params: captureId,
      body: {
        data: {
          type: 'captures',
          id: 'kQWhMCvDPm',
          // @ts-expect-error _refund_amount_cents is an integer of cents, not a string
          attributes: { _refund: true, _refund_amount_cents: '500' },
        },
      },
    });
    void client.PATCH('/refunds/{refundId}', {
      params: refundId,
      // @ts-expect-error _refund belongs to captures, not refunds
      body: { data: { type: 'refunds', id: 'xYZkjABcde', attributes: { _refund: true } } },
    });
    void client.GET('/refunds', {
      // @ts-expect-error page[size] is a number
      params: { query: { 'page[size]': '25' } },
    });
    void client.GET('/refunds', {
      // @ts-expect-error filter values are strings (booleans too: succeeded_true: 'true')
      params: { query: { 'filter[q]': { succeeded_true: true } } },
    });
    // @ts-expect-error refunds cannot be deleted
    void client.DELETE('/refunds/{refundId}', { params: refundId });
    // @ts-expect-error captures are not created through this client
    void client.POST('/captures/{captureId}', { params: captureId, body: {} });
    // @ts-expect-error orders are not part of this spec
    void client.GET('/orders', {});
  });

  it('narrows data and error', async () => {
    const { data, error } = await client.GET('/refunds/{refundId}', { params: refundId });
    if (error) {
      expectTypeOf(data).toEqualTypeOf<undefined>();
      expectTypeOf(error).toEqualTypeOf<CommercelayerErrors>();
      expectTypeOf(error.errors[0]!.status).toEqualTypeOf<string>();
    } else {
      expectTypeOf(data).toEqualTypeOf<CommercelayerRefundResponse>();
      expectTypeOf(data.data.attributes.amount_cents).toEqualTypeOf<number>();
      expectTypeOf(data.data.attributes.succeeded).toEqualTypeOf<boolean>();
    }

    const list = await client.GET('/captures/{captureId}/refunds', { params: captureId });
    if (!list.error) expectTypeOf(list.data).toEqualTypeOf<CommercelayerRefundListResponse>();

    const capture = await client.PATCH('/captures/{captureId}', {
      params: captureId,
      body: {
        data: {
          type: 'captures',
          id: 'kQWhMCvDPm',
          attributes: { _refund: true, _refund_amount_cents: 500 },
        },
      },
    });
    if (capture.error) {
      expectTypeOf(capture.error).toEqualTypeOf<CommercelayerErrors>();
    } else {
      expectTypeOf(capture.data).toEqualTypeOf<CommercelayerCaptureResponse>();
      expectTypeOf(capture.data.data.attributes.refund_balance_cents).toEqualTypeOf<
        number | null | undefined
      >();
    }
  });

  it('requires an access token, and the organization unless baseUrl is given', () => {
    // @ts-expect-error accessToken is required
    createCommercelayerClient({ organization: 'acme' });
    // @ts-expect-error organization is required without baseUrl
    createCommercelayerClient({ accessToken: 'h.p.s' });
    createCommercelayerClient({ accessToken: 'h.p.s', baseUrl: 'http://127.0.0.1:4010' });
  });
  it('types the return and order triggers and the relationships that may be empty', async () => {
    const returnId = { path: { returnId: 'dPvKhwBRvj' } };
    void client.PATCH('/returns/{returnId}', {
      params: returnId,
      body: {
        data: { type: 'returns', id: 'dPvKhwBRvj', attributes: { _refund: true, _refund_amount_cents: 500 } },
      },
    });
    void client.PATCH('/returns/{returnId}', {
      params: returnId,
      // @ts-expect-error _refund_amount_cents is an integer of cents, not a string
      body: { data: { type: 'returns', id: 'dPvKhwBRvj', attributes: { _refund_amount_cents: '500' } } },
    });
    void client.PATCH('/orders/{orderId}', {
      params: { path: { orderId: 'qaMAhZkZvd' } },
      // @ts-expect-error the resource type of an order is 'orders'
      body: { data: { type: 'returns', id: 'qaMAhZkZvd', attributes: { _refund: true } } },
    });
    const { data: refund } = await client.GET('/returns/{returnId}/reference_refund', { params: returnId });
    expectTypeOf(refund!.data).toEqualTypeOf<CommercelayerRefund | null>();
    const { data: ret } = await client.GET('/refunds/{refundId}/return', { params: refundId });
    expectTypeOf(ret!.data).toBeNullable();
    expectTypeOf(ret!.data!.attributes).toEqualTypeOf<CommercelayerReturn['attributes']>();
    const { data: order } = await client.GET('/refunds/{refundId}/order', { params: refundId });
    expectTypeOf(order!.data.attributes).toEqualTypeOf<CommercelayerOrder['attributes']>();
    expectTypeOf<CommercelayerOrder['attributes']['payment_status']>().toExtend<string>();
  });
});
