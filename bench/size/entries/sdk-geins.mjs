// @geins/sdk-api-mgmt-javascript 1.7.4 (no create-refund operation: its refund read instead).
import GeinsManagement from '@geins/sdk-api-mgmt-javascript';

const client = new GeinsManagement.ApiClient();
const orders = new GeinsManagement.OrderApi(client);

export const refund = (refundId) => new Promise((resolve) => orders.getRefundById(refundId, resolve));
