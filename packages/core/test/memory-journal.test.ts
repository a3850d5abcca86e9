// The memory journal's own bookkeeping: the cap on settled entries (which the facade's per-create cost
// depends on: no walk of every entry per write), copies in and out, and the payment filter of `unsettled`.
// The behaviour every journal shares is for the stores' conformance suite.
import { describe, expect, it } from 'vitest';
import type { JournalIntent } from '../src/index.js';
import { memoryJournal } from '../src/index.js';

const intent = (key: string, payment = 'pay_1'): JournalIntent => ({
  account: 'payop',
  key,
  provider: 'payop',
  payment,
  reference: `ref-${key}`,
  fingerprint: `f-${key}`,
  input: {
    payment,
    amount: { value: 100, currency: 'EUR' },
    reason: undefined,
    reference: `ref-${key}`,
    metadata: { note: key },
    idempotencyKey: key,
  },
});
const refund = (id: string) => ({
  provider: 'payop',
  id,
  payment: 'pay_1',
  status: 'succeeded' as const,
  amount: { value: 100, currency: 'EUR' },
  reference: undefined,
  createdAt: undefined,
  raw: { nested: [{ id }] },
});

/** Records `key` and settles it as `state`, under a lease of its own. */
async function settle(journal: ReturnType<typeof memoryJournal>, key: string, state: 'made' | 'in_doubt') {
  await journal.record(intent(key));
  expect(await journal.lease('payop', 'pay_1', key, 60_000)).toBe(true);
  expect(
    await journal.transition(
      'payop',
      key,
      key,
      state === 'made' ? { state, refund: refund(key) } : { state },
    ),
  ).toBe(true);
  await journal.release('payop', 'pay_1', key);
}

describe('memoryJournal', () => {
  it('beyond maxSettled forgets the oldest made entry first, those in doubt last, never an unsettled one', async () => {
    const journal = memoryJournal({ maxSettled: 2 });
    await settle(journal, 'doubt', 'in_doubt');
    await journal.record(intent('pending'));
    await settle(journal, 'made-1', 'made');
    await settle(journal, 'made-2', 'made');
    // Three settled: the oldest made one goes, the older in-doubt one stays.
    expect(await journal.get('payop', 'made-1')).toBeUndefined();
    expect(await journal.get('payop', 'made-2')).toMatchObject({ state: 'made' });
    expect(await journal.get('payop', 'doubt')).toMatchObject({ state: 'in_doubt' });
    await settle(journal, 'made-3', 'made');
    expect(await journal.get('payop', 'made-2')).toBeUndefined();
    await settle(journal, 'doubt-2', 'in_doubt');
    expect(await journal.get('payop', 'made-3')).toBeUndefined();
    expect(await journal.get('payop', 'doubt')).toMatchObject({ state: 'in_doubt' });
    // Only in-doubt entries left to forget beyond the cap: the oldest of them.
    await settle(journal, 'doubt-3', 'in_doubt');
    expect(await journal.get('payop', 'doubt')).toBeUndefined();
    expect(await journal.get('payop', 'pending')).toMatchObject({ state: 'recorded' });
    expect((await journal.unsettled()).map((entry) => entry.key)).toEqual(['pending', 'doubt-2', 'doubt-3']);
  });

  it('copies in and out: nobody shares its objects', async () => {
    const journal = memoryJournal();
    const given = intent('k');
    const { entry } = await journal.record(given);
    given.input.metadata!.note = 'changed';
    (entry.input.amount as { value: number }).value = 1;
    const stored = await journal.get('payop', 'k');
    expect(stored?.input).toMatchObject({ amount: { value: 100 }, metadata: { note: 'k' } });
    await journal.lease('payop', 'pay_1', 'h', 60_000);
    const made = refund('r1');
    await journal.transition('payop', 'k', 'h', { state: 'made', refund: made });
    made.raw.nested[0]!.id = 'changed';
    const read = await journal.get('payop', 'k');
    expect(read?.refund?.raw).toEqual({ nested: [{ id: 'r1' }] });
    (read!.refund!.amount as { value: number }).value = 5;
    expect((await journal.get('payop', 'k'))?.refund?.amount.value).toBe(100);
  });

  it('unsettled() of one payment, and keys that no two accounts and keys can share', async () => {
    const journal = memoryJournal();
    await journal.record(intent('a', 'pay_1'));
    await journal.record(intent('b', 'pay_2'));
    // "payo" + "pa…" must not meet "payop" + "…": the parts are length-prefixed.
    await journal.record({ ...intent('pb'), account: 'payo' });
    expect((await journal.unsettled({ account: 'payop', payment: 'pay_2' })).map((e) => e.key)).toEqual([
      'b',
    ]);
    expect(await journal.get('payo', 'pb')).toMatchObject({ account: 'payo' });
    expect(await journal.get('payop', 'b')).toMatchObject({ account: 'payop' });
    expect(await journal.get('pay', 'opb')).toBeUndefined();
  });
});

describe('memoryJournal copies (review)', () => {
  it('keeps a `__proto__` member of a JSON raw body as data, as a JSON round trip does', async () => {
    const journal = memoryJournal();
    // A provider's body parsed by JSON.parse may carry an own "__proto__" member.
    const raw = JSON.parse('{"__proto__": {"status": "failed"}, "id": "r1"}');
    await journal.record(intent('odd'));
    expect(await journal.lease('payop', 'pay_1', 'h', 60_000)).toBe(true);
    expect(
      await journal.transition('payop', 'odd', 'h', { state: 'made', refund: { ...refund('r1'), raw } }),
    ).toBe(true);
    const stored = (await journal.get('payop', 'odd'))!.refund!.raw as Record<string, unknown>;
    expect(JSON.stringify(stored)).toBe(JSON.stringify(raw));
    expect(Object.hasOwn(stored, '__proto__')).toBe(true);
    // Not an inherited member: nothing reads "status" off the stored body that the provider did not send.
    expect((stored as { status?: unknown }).status).toBeUndefined();
  });
});
