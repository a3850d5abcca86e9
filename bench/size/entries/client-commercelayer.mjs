// One create-refund call with the Commerce Layer client (a `_refund` trigger on the capture).
import { createCommercelayerClient } from '@refundkit/commercelayer';

const client = createCommercelayerClient({
  organization: 'example',
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl',
});

export const refund = (captureId, cents) =>
  client.PATCH('/captures/{captureId}', {
    params: { path: { captureId } },
    body: {
      data: { type: 'captures', id: captureId, attributes: { _refund: true, _refund_amount_cents: cents } },
    },
  });
