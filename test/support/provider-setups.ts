// The four providers as the facade's cross-provider tests drive them: a sandbox, an adapter over a given
// `fetch`, and what the tests need to know to aim faults at them.
import { createCommercelayerSandbox } from '@refundkit/commercelayer/testing';
import type { Sandbox } from '@refundkit/core/testing';
import { createGeinsSandbox } from '@refundkit/geins/testing';
import { createPayopSandbox } from '@refundkit/payop/testing';
import { createSmartpaySandbox } from '@refundkit/smartpay/testing';
import { commercelayer, geins, payop, type RefundAdapter, smartpay } from 'refundkit';

export type Fetch = (request: Request) => Promise<Response>;
export type SetupProvider = 'smartpay' | 'payop' | 'geins' | 'commercelayer';
export type AnySandbox = Sandbox<Record<string, string>, { amount: number; currency: string }>;

export interface ProviderSetup {
  sandbox(seed?: number): AnySandbox;
  /** `soleWriter` reaches Commerce Layer's adapter only. */
  adapter(sandbox: AnySandbox, fetch: Fetch, options?: { soleWriter?: boolean }): RefundAdapter;
  currency: string;
  /** The operation whose request makes a refund, and the other ones a create or its reconciliation sends. */
  createOperation: string;
  otherOperations: string[];
  /** Whether `request` is the one that makes a refund. */
  makes(request: Request): boolean;
  fullRefunds: boolean;
  idempotencyKeys: boolean;
}

const path = (request: Request) => new URL(request.url).pathname;

export const providerSetups: Record<SetupProvider, ProviderSetup> = {
  smartpay: {
    sandbox: (seed) => createSmartpaySandbox({ seed }) as unknown as AnySandbox,
    adapter: (sandbox, fetch) => smartpay({ secretKey: sandbox.credentials.secretKey!, fetch }),
    currency: 'JPY',
    createOperation: 'createRefund',
    otherOperations: ['listRefunds'],
    makes: (request) => request.method === 'POST' && path(request).endsWith('/v1/refunds'),
    fullRefunds: true,
    idempotencyKeys: true,
  },
  payop: {
    sandbox: (seed) => createPayopSandbox({ seed }) as unknown as AnySandbox,
    adapter: (sandbox, fetch) => payop({ token: sandbox.credentials.token!, fetch }),
    currency: 'EUR',
    createOperation: 'createRefund',
    otherOperations: ['listRefunds'],
    makes: (request) => request.method === 'POST' && path(request).endsWith('/v1/refunds/create'),
    fullRefunds: true,
    idempotencyKeys: false,
  },
  geins: {
    sandbox: (seed) => createGeinsSandbox({ seed }) as unknown as AnySandbox,
    adapter: (sandbox, fetch) =>
      geins({
        apiKey: sandbox.credentials.apiKey!,
        username: sandbox.credentials.username!,
        password: sandbox.credentials.password!,
        fetch,
      }),
    currency: 'SEK',
    createOperation: 'createRefund',
    otherOperations: ['retrieveRefund', 'listRefunds'],
    makes: (request) => request.method === 'POST' && /\/Refund$/.test(path(request)),
    fullRefunds: false,
    idempotencyKeys: false,
  },
  commercelayer: {
    sandbox: (seed) => createCommercelayerSandbox({ seed }) as unknown as AnySandbox,
    adapter: (sandbox, fetch, { soleWriter } = {}) =>
      commercelayer({
        organization: sandbox.credentials.organization!,
        accessToken: sandbox.credentials.accessToken!,
        fetch,
        ...(soleWriter ? { soleWriter } : {}),
      }),
    currency: 'EUR',
    createOperation: 'updateCapture',
    otherOperations: ['retrieveCapture', 'listCaptureRefunds', 'updateRefund'],
    makes: (request) => request.method === 'PATCH' && path(request).includes('/captures/'),
    fullRefunds: true,
    idempotencyKeys: false,
  },
};
