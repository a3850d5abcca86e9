// One create-refund call with the Geins client.
import { createGeinsClient } from '@refundkit/geins';

const client = createGeinsClient({
  apiKey: 'example-key',
  username: 'example',
  password: 'example-password',
});

export const refund = (orderId, amount) =>
  client.POST('/API/Order/{orderId}/Refund', {
    params: { path: { orderId } },
    body: { RefundAmount: amount },
  });
