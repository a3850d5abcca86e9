// `pnpm demo`: every provider through the facade on in-process sandboxes. No credentials, no network.

import { createCommercelayerSandbox } from '@refundkit/commercelayer/testing';
import { formatMinorUnits, type Money } from '@refundkit/core';
import { createGeinsClient } from '@refundkit/geins';
import { createGeinsSandbox } from '@refundkit/geins/testing';
import { createPayopSandbox } from '@refundkit/payop/testing';
import { createSmartpaySandbox } from '@refundkit/smartpay/testing';
import {
  commercelayer,
  createRefunds,
  currencyExponent,
  geins,
  isRefundError,
  payop,
  smartpay,
} from '../index.js';

export interface DemoRow {
  provider: string;
  step: string;
  amount: string;
  outcome: string;
  /** Refunds the provider's sandbox has recorded for this payment after the step. */
  recorded: number;
}

const show = (money: Money | undefined) =>
  money
    ? `${formatMinorUnits(money.value, currencyExponent(money.currency)!)} ${money.currency}`
    : 'the rest';

export async function runDemo(): Promise<DemoRow[]> {
  const sandboxes = {
    commercelayer: createCommercelayerSandbox({ seed: 1 }),
    payop: createPayopSandbox({ seed: 2 }),
    smartpay: createSmartpaySandbox({ seed: 3 }),
    geins: createGeinsSandbox({ seed: 4 }),
  };
  const refunds = createRefunds({
    providers: {
      commercelayer: commercelayer({
        ...sandboxes.commercelayer.credentials,
        fetch: sandboxes.commercelayer.fetch,
        // The demo is the only maker of refunds on its captures, so a lost trigger answer can be matched.
        soleWriter: true,
      }),
      payop: payop({ ...sandboxes.payop.credentials, fetch: sandboxes.payop.fetch }),
      smartpay: smartpay({ ...sandboxes.smartpay.credentials, fetch: sandboxes.smartpay.fetch }),
      geins: geins({ ...sandboxes.geins.credentials, fetch: sandboxes.geins.fetch }),
    },
    retryDelayMs: 10,
  });
  const approvals = createRefunds({
    providers: {
      geins: geins({ ...sandboxes.geins.credentials, fetch: sandboxes.geins.fetch, requireApproval: true }),
    },
  });
  // What each provider is paid in, and the operation that creates its refunds (where faults are injected).
  const plans = [
    { provider: 'commercelayer', currency: 'EUR', total: 5000, createOperation: 'updateCapture' },
    { provider: 'payop', currency: 'KWD', total: 12_500, createOperation: 'createRefund' },
    { provider: 'smartpay', currency: 'JPY', total: 10_000, createOperation: 'createRefund' },
    { provider: 'geins', currency: 'SEK', total: 50_000, createOperation: 'createRefund' },
  ] as const;

  const rows: DemoRow[] = [];
  for (const plan of plans) {
    const sandbox = sandboxes[plan.provider];
    const { provider, currency, total } = plan;
    const payment = sandbox.createPayment({ amount: total, currency } as never);
    const recorded = (id = payment) => sandbox.refunds().filter((entry) => entry.payment === id).length;
    const attempt = async (step: string, amount: Money | undefined, id = payment, via = refunds) => {
      try {
        const refund = await via.create({
          provider,
          payment: id,
          ...(amount ? { amount } : {}),
          reason: 'requested_by_customer',
        } as never);
        rows.push({
          provider,
          step,
          amount: show(refund.amount),
          outcome: `${refund.status} ${refund.id}`,
          recorded: recorded(id),
        });
        return refund;
      } catch (error) {
        if (!isRefundError(error)) throw error;
        rows.push({
          provider,
          step,
          amount: show(amount),
          outcome: `rejected: ${error.code}`,
          recorded: recorded(id),
        });
        return undefined;
      }
    };
    const part = (share: number): Money => ({ value: Math.floor((total * share) / 10), currency });

    if (refunds.capabilities(provider).fullRefundWithoutAmount) {
      await attempt('partial refund', part(3));
      await attempt('partial refund', part(2));
      await attempt('over-refund (more than is left)', part(6));
      await attempt('full refund of the rest', undefined);
    } else {
      await attempt('partial refund', part(3));
      await attempt('partial refund', part(2));
      await attempt('over-refund (more than is left)', part(6));
      await attempt('refund of the rest', { value: total - part(3).value - part(2).value, currency });
    }

    const faulty = sandbox.createPayment({ amount: total, currency } as never);
    sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: plan.createOperation } });
    await attempt('response lost after commit → reconciled', part(4), faulty);

    if (provider === 'geins') {
      const order = sandbox.createPayment({ amount: total, currency } as never);
      const pending = await attempt('refund needing approval', part(5), order, approvals);
      if (pending) {
        const client = createGeinsClient({ ...sandboxes.geins.credentials, fetch: sandboxes.geins.fetch });
        await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetApproval', {
          params: { path: { orderId: Number(order), refundId: pending.id } },
          body: { Approved: true, ApprovalDecidedBy: 'refundkit demo' },
        });
        const approved = await refunds.retrieve({ provider, id: pending.id, payment: order });
        rows.push({
          provider,
          step: 'approved (SetApproval)',
          amount: show(approved.amount),
          outcome: `${approved.status} ${approved.id}`,
          recorded: recorded(order),
        });
      }
    }
  }
  return rows;
}

export function formatDemo(rows: DemoRow[]): string {
  const header: DemoRow = {
    provider: 'provider',
    step: 'step',
    amount: 'amount',
    outcome: 'outcome',
    recorded: Number.NaN,
  };
  const cells = (row: DemoRow) => [
    row.provider,
    row.step,
    row.amount,
    row.outcome,
    Number.isNaN(row.recorded) ? 'recorded' : String(row.recorded),
  ];
  const table = [header, ...rows].map(cells);
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const line = (values: string[]) =>
    values
      .map((value, column) => value.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [
    'refundkit demo — four providers, one API, offline sandboxes',
    '',
    line(table[0]!),
    widths.map((width) => '─'.repeat(width)).join('  '),
    ...table.slice(1).map(line),
    '',
    '"recorded" counts the refunds the provider sandbox holds for that payment: a lost response is',
    "reconciled by the refund's reference instead of being sent twice.",
  ].join('\n');
}
