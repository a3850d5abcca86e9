// Every benchmark target, in one list. A target is `{ id, label, group, provider, setup(ctx) }`; setup
// returns the function that makes one call (and may throw Skip). Ratios are taken against `fetch:<provider>`.
// To benchmark another facade adapter, add one line `facade('<provider>')` (and its input in
// lib/fixtures.mjs); a missing adapter export is skipped with a note, not an error.
import { axiosClient, bareFetch, bareOpenapiFetch, nodeHttp } from './baselines.mjs';
import {
  adapterClient,
  fetchWithAny,
  fetchWithController,
  fetchWithRequest,
  fetchWithTimeout,
} from './breakdown.mjs';
import { refundkitClient } from './clients.mjs';
import { facade, noopHooks } from './facade.mjs';
import { commercelayerSdk, geinsSdk, smartpaySdk } from './official.mjs';

export const targets = [
  // Baselines
  bareFetch('smartpay'),
  bareFetch('commercelayer'),
  bareFetch('payop'),
  bareFetch('geins'),
  nodeHttp('smartpay'),
  bareOpenapiFetch('smartpay'),
  // refundkit clients
  refundkitClient('smartpay'),
  refundkitClient('commercelayer'),
  refundkitClient('payop'),
  refundkitClient('geins'),
  // refundkit facade, one line per adapter
  facade('smartpay'),
  facade('commercelayer'),
  facade('payop'),
  facade('geins'),
  // Official SDKs and a generic client
  smartpaySdk(),
  commercelayerSdk(),
  geinsSdk(),
  axiosClient('smartpay'),
  // Where the facade's time goes (Smartpay)
  fetchWithRequest('smartpay'),
  fetchWithTimeout('smartpay'),
  fetchWithAny('smartpay'),
  fetchWithController('smartpay'),
  adapterClient('smartpay'),
  facade('smartpay', {
    id: 'facade-hooks:smartpay',
    label: 'refundkit refunds.create + no-op hooks',
    group: 'breakdown',
    hooks: noopHooks,
  }),
];
