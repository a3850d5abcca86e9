// @commercelayer/sdk, selective import of one resource (shares one global configuration).
import CommerceLayer, { captures } from '@commercelayer/sdk';

CommerceLayer({
  organization: 'example',
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl',
});

export const refund = (id, cents) => captures.update({ id, _refund: true, _refund_amount_cents: cents });
