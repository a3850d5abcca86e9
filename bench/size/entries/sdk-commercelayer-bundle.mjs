// @commercelayer/sdk, the per-instance bundle client its README recommends.
import { CommerceLayer } from '@commercelayer/sdk/bundle';

const cl = CommerceLayer({
  organization: 'example',
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl',
});

export const refund = (id, cents) => cl.captures.update({ id, _refund: true, _refund_amount_cents: cents });
