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
      const refunded = steps.filter(
        (row) => !row.outcome.startsWith('rejected') && row.step.includes('refund'),
      );
      expect(refunded.length).toBeGreaterThanOrEqual(3);
      const reconciled = steps.find((row) => row.step.includes('reconciled'));
      expect(reconciled?.outcome).not.toMatch(/^rejected/);
      expect(reconciled?.recorded).toBe(1);
    }
    const approval = byProvider('geins').filter((row) => row.step.includes('approv'));
    expect(approval.map((row) => row.outcome.split(' ')[0])).toEqual(['requires_approval', 'pending']);
    const table = formatDemo(rows);
    expect(table).toContain('response lost after commit → reconciled');
    expect(table.split('\n').length).toBe(rows.length + 7);
  });
});
