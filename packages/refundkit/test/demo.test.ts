import { describe, expect, it } from 'vitest';
import { formatDemo, runDemo } from '../src/demo/demo.js';

describe('pnpm demo', () => {
  it('walks every provider through the facade, reconciling the lost response without a duplicate', async () => {
    const rows = await runDemo();
    const byProvider = (provider: string) => rows.filter((row) => row.provider === provider);
    for (const provider of ['commercelayer', 'payop', 'smartpay', 'geins']) {
      const steps = byProvider(provider);
      expect(steps.map((row) => row.outcome.split(' ')[0])).toEqual(expect.arrayContaining(['rejected:']));
      const overRefund = steps.find((row) => row.step.startsWith('over-refund'));
      expect(overRefund?.outcome).toBe('rejected: insufficient_funds');
      expect(overRefund?.id).toBeUndefined();
      const refunded = steps.filter(
        (row) => !row.outcome.startsWith('rejected') && row.step.includes('refund'),
      );
      expect(refunded.length).toBeGreaterThanOrEqual(3);
      expect(refunded.every((row) => row.id)).toBe(true);
      const reconciled = steps.find((row) => row.step.includes('reconciled'));
      expect(reconciled?.outcome).not.toMatch(/^rejected/);
      expect(reconciled?.recorded).toBe(1);
      // The lost response is on a payment of its own, and the first is refunded in full.
      expect(reconciled?.payment).toBe(2);
      expect(reconciled?.refunded).toBe(reconciled?.amount);
      const first = steps.filter((row) => row.payment === 1);
      expect(first.at(-1)?.refunded).toBe(first.at(-1)?.paid);
    }
    const approval = byProvider('geins').filter((row) => row.step.includes('approv'));
    expect(approval.map((row) => row.outcome)).toEqual(['requires_approval', 'pending']);
    expect(approval.map((row) => row.payment)).toEqual([3, 3]);
    expect(approval[0]?.id).toBe(approval[1]?.id);
  });

  it('prints a table per provider within 80 columns, with payment totals, new payments and pending explained', async () => {
    const rows = await runDemo();
    const text = formatDemo(rows);
    const lines = text.split('\n');
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
    for (const row of rows) expect(text).toContain(`  ${row.step}`);
    expect(text).toContain('commercelayer · payments of 50.00 EUR');
    expect(text).toContain('  #1: 50.00 EUR of 50.00 EUR refunded (3 refunds in the sandbox)');
    expect(text).toContain('  #2: 20.00 EUR of 50.00 EUR refunded (1 refund in the sandbox)');
    expect(text).toMatch(/^ {2}lost response, reconciled +#2 new +20\.00 EUR +succeeded$/m);
    expect(text).toMatch(/^ {2}refund needing approval +#3 new +250\.00 SEK +requires_approval$/m);
    expect(text).toMatch(/^ {2}approved \(SetApproval\) +#3 +250\.00 SEK +pending$/m);
    expect(lines.filter((line) => line.startsWith('pending: '))).toHaveLength(1);
    expect(text).toContain('Lost response: the refund was made but its answer was lost.');
  });
});
