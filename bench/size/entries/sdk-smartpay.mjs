// @smartpay/sdk-node, one createRefund call.
import Smartpay from '@smartpay/sdk-node';

const smartpay = new Smartpay('sk_test_example0000');

export const refund = (payment, amount) =>
  smartpay.createRefund({ payment, amount, currency: 'JPY', reason: 'requested_by_customer' });
