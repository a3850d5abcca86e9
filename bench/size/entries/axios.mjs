// axios, one POST: the generic HTTP client baseline.
import axios from 'axios';

const client = axios.create({
  baseURL: 'https://api.smartpay.co',
  headers: { Authorization: 'Basic sk_test_x' },
});

export const refund = (body) => client.post('/v1/refunds', body);
