// A process writing to a PGlite journal until it is killed (pglite-journal.test.ts): for each of up to 2 000
// creates it records the intent, takes the payment's lease and marks it sent, then prints the create's
// number, so the test knows what was committed before its SIGKILL.
import { pgliteJournal } from '@refundkit/journal';

const [dataDir, schema] = process.argv.slice(2) as [string, string];
const journal = pgliteJournal({ dataDir, schema });
for (let i = 0; i < 2_000; i += 1) {
  const key = `k${i}`;
  const payment = `p${i}`;
  const input = {
    payment,
    amount: { value: 100 + i, currency: 'EUR' },
    reason: undefined,
    reference: key,
    metadata: undefined,
    idempotencyKey: key,
  };
  await journal.record({
    account: 'payop',
    key,
    provider: 'payop',
    payment,
    reference: key,
    fingerprint: key,
    input,
  });
  await journal.lease('payop', payment, 'writer', 600_000);
  await journal.transition('payop', key, 'writer', { state: 'sent', memo: { at: i } });
  process.stdout.write(`${i}\n`);
}
await journal.close();
