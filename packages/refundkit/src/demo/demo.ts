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
  /** Which of the provider's payments the step refunds: 1, 2, … (each lost-response step uses a new one). */
  payment: number;
  /** That payment's total, e.g. `50.00 EUR`. */
  paid: string;
  step: string;
  amount: string;
  /** The refund's status, or `rejected: <code>`. */
  outcome: string;
  /** The refund's id, when the step returned one. */
  id: string | undefined;
  /** Refunds the provider's sandbox has recorded for this payment after the step. */
  recorded: number;
  /** What those refunds add up to, e.g. `25.00 EUR`. */
  refunded: string;
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
    const payments: string[] = [];
    const newPayment = () => {
      payments.push(sandbox.createPayment({ amount: total, currency } as never));
      return payments.at(-1)!;
    };
    const payment = newPayment();
    // The step's payment, its total, and the refunds the sandbox holds for it after the step.
    const ledger = (id: string) => {
      const held = sandbox.refunds().filter((entry) => entry.payment === id);
      const sum = held.reduce((value, entry) => value + entry.amount, 0);
      return {
        provider,
        payment: payments.indexOf(id) + 1,
        paid: show({ value: total, currency }),
        recorded: held.length,
        refunded: show({ value: sum, currency }),
      };
    };
    const attempt = async (step: string, amount: Money | undefined, id = payment, via = refunds) => {
      try {
        const refund = await via.create({
          provider,
          payment: id,
          ...(amount ? { amount } : {}),
          reason: 'requested_by_customer',
        } as never);
        rows.push({
          ...ledger(id),
          step,
          amount: show(refund.amount),
          outcome: refund.status,
          id: refund.id,
        });
        return refund;
      } catch (error) {
        if (!isRefundError(error)) throw error;
        rows.push({
          ...ledger(id),
          step,
          amount: show(amount),
          outcome: `rejected: ${error.code}`,
          id: undefined,
        });
        return undefined;
      }
    };
    const part = (share: number): Money => ({ value: Math.floor((total * share) / 10), currency });

    if (refunds.capabilities(provider).fullRefundWithoutAmount) {
      await attempt('partial refund', part(3));
      await attempt('partial refund', part(2));
      await attempt('over-refund (too much)', part(6));
      await attempt('full refund of the rest', undefined);
    } else {
      await attempt('partial refund', part(3));
      await attempt('partial refund', part(2));
      await attempt('over-refund (too much)', part(6));
      await attempt('refund of the rest', { value: total - part(3).value - part(2).value, currency });
    }

    const faulty = newPayment();
    sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: plan.createOperation } });
    await attempt('lost response, reconciled', part(4), faulty);

    if (provider === 'geins') {
      const order = newPayment();
      const pending = await attempt('refund needing approval', part(5), order, approvals);
      if (pending) {
        const client = createGeinsClient({ ...sandboxes.geins.credentials, fetch: sandboxes.geins.fetch });
        await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetApproval', {
          params: { path: { orderId: Number(order), refundId: pending.id } },
          body: { Approved: true, ApprovalDecidedBy: 'refundkit demo' },
        });
        const approved = await refunds.retrieve({ provider, id: pending.id, payment: order });
        rows.push({
          ...ledger(order),
          step: 'approved (SetApproval)',
          amount: show(approved.amount),
          outcome: approved.status,
          id: approved.id,
        });
      }
    }
  }
  return rows;
}

/** The demo as text no wider than 80 columns: a table per provider, each payment's total, what it means. */
export function formatDemo(rows: DemoRow[]): string {
  const header = ['step', 'payment', 'amount', 'outcome'];
  const cells = (row: DemoRow, index: number, all: DemoRow[]) => [
    row.step,
    // A payment's first row says when it is not the provider's first.
    `#${row.payment}${row.payment > 1 && all[index - 1]?.payment !== row.payment ? ' new' : ''}`,
    row.amount,
    row.outcome,
  ];
  const table = rows.map(cells);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...table.map((line) => line[column]!.length)),
  );
  const line = (values: string[]) =>
    `  ${values
      .map((value, column) => value.padEnd(widths[column]!))
      .join('  ')
      .trimEnd()}`;
  const out = ['refundkit demo — four providers, one API, offline sandboxes'];
  for (const provider of [...new Set(rows.map((row) => row.provider))]) {
    const mine = rows.filter((row) => row.provider === provider);
    out.push('', `${provider} · payments of ${mine[0]!.paid}`, line(header));
    for (const row of mine) out.push(line(table[rows.indexOf(row)]!));
    // The last row of each payment holds what its refunds add up to.
    for (const last of [...new Map(mine.map((row) => [row.payment, row])).values()]) {
      const count = `${last.recorded} refund${last.recorded === 1 ? '' : 's'}`;
      out.push(`  #${last.payment}: ${last.refunded} of ${last.paid} refunded (${count} in the sandbox)`);
    }
  }
  out.push(
    '',
    'Lost response: the refund was made but its answer was lost. refundkit found it',
    'by its reference instead of sending it again, so that payment holds one refund.',
    'pending: not final. PayOp accepts or rejects it later; Geins, once processed.',
  );
  return out.join('\n');
}
