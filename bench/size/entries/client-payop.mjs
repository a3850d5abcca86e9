// One create-refund call with the PayOp client.
import { createPayopClient } from '@refundkit/payop';

const client = createPayopClient({ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl' });

export const refund = (transactionIdentifier, amount) =>
  client.POST('/v1/refunds/create', { body: { transactionIdentifier, refundType: 2, amount } });
