// The zero-configuration journal: one process's memory. It serializes the creates of every `createRefunds`
// sharing it, but it dies with the process, so a crash between sending a create and hearing the answer
// leaves that refund unknown. Use a durable journal where that matters.
import type { JournalEntry, JournalIntent, JournalTransition, RefundJournal } from './journal.js';

export interface MemoryJournalOptions {
  /**
   * Entries kept at most: beyond it the oldest settled one is forgotten (`in_doubt` ones last; `recorded` and
   * `sent` ones never). Default 10 000.
   */
  maxSettled?: number;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** The states `trim` may forget, and `maxSettled` counts. */
const settled = new Set(['made', 'not_made', 'in_doubt']);

export function memoryJournal(options: MemoryJournalOptions = {}): RefundJournal {
  const { maxSettled = 10_000, now = Date.now } = options;
  // Insertion order is age order: a transition moves an entry to the end.
  const byKey = new Map<string, JournalEntry>();
  const byReference = new Map<string, JournalEntry>();
  const leases = new Map<string, { holder: string; until: number }>();
  /** How many entries are settled: kept as they change, so that a transition costs no walk of them all. */
  let settledCount = 0;
  // Map keys: each part but the last prefixed with its length, so no two lists of parts share one (and
  // cheaper than JSON.stringify, which takes microseconds a call).
  const keyOf = (account: string, key: string) => `${account.length}:${account}${key}`;
  const referenceOf = (entry: { account: string; payment: string; reference: string }) =>
    `${entry.account.length}:${entry.account}${entry.payment.length}:${entry.payment}${entry.reference}`;
  const leaseOf = keyOf;
  // Copies in and out, as a store that serializes would: no caller shares the journal's objects. Entries
  // are JSON data, and a walk of it costs a tenth of `structuredClone` (~15 µs a call). Own members only,
  // and a JSON body's own `__proto__` stays a member (assigned, it would set the copy's prototype).
  const copy = <T>(value: T): T => {
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map(copy) as T;
    const copied: Record<string, unknown> = {};
    for (const name of Object.keys(value)) {
      const member = copy((value as Record<string, unknown>)[name]);
      if (name === '__proto__') {
        Object.defineProperty(copied, name, {
          value: member,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else copied[name] = member;
    }
    return copied as T;
  };

  function forget(entry: JournalEntry) {
    if (settled.has(entry.state)) settledCount -= 1;
    byKey.delete(keyOf(entry.account, entry.key));
    if (byReference.get(referenceOf(entry)) === entry) byReference.delete(referenceOf(entry));
  }

  /** Beyond the cap, forgets the oldest settled entry, `in_doubt` ones last: they still need settling. */
  function trim() {
    if (settledCount <= maxSettled) return;
    let oldest: JournalEntry | undefined;
    for (const entry of byKey.values()) {
      if (entry.state === 'made' || entry.state === 'not_made') {
        oldest = entry;
        break;
      }
      if (entry.state === 'in_doubt') oldest ??= entry;
    }
    if (oldest) forget(oldest);
  }

  function holds(account: string, payment: string, holder: string) {
    const lease = leases.get(leaseOf(account, payment));
    return lease !== undefined && lease.holder === holder && lease.until > now();
  }

  return {
    async record(intent: JournalIntent) {
      const byItsKey = byKey.get(keyOf(intent.account, intent.key));
      if (byItsKey && byItsKey.state !== 'not_made') {
        return { recorded: false, entry: copy(byItsKey), by: 'key' };
      }
      const byItsReference = byReference.get(referenceOf(intent));
      if (byItsReference && byItsReference.state !== 'not_made') {
        return { recorded: false, entry: copy(byItsReference), by: 'reference' };
      }
      if (byItsKey) forget(byItsKey);
      if (byItsReference) forget(byItsReference);
      const at = now();
      const fields = {
        state: 'recorded',
        refund: undefined,
        memo: undefined,
        createdAt: at,
        updatedAt: at,
      } as const;
      const entry: JournalEntry = { ...copy(intent), ...fields };
      byKey.set(keyOf(entry.account, entry.key), entry);
      byReference.set(referenceOf(entry), entry);
      // The caller's own intent back: shares nothing with the journal's copy.
      return { recorded: true, entry: { ...intent, ...fields } };
    },

    async get(account, key) {
      const entry = byKey.get(keyOf(account, key));
      return entry && copy(entry);
    },

    async lease(account, payment, holder, ttlMs) {
      const name = leaseOf(account, payment);
      const lease = leases.get(name);
      if (lease && lease.holder !== holder && lease.until > now()) return false;
      leases.set(name, { holder, until: now() + ttlMs });
      return true;
    },

    async release(account, payment, holder) {
      const name = leaseOf(account, payment);
      if (leases.get(name)?.holder === holder) leases.delete(name);
    },

    async transition(account, key, holder, change: JournalTransition) {
      const name = keyOf(account, key);
      const entry = byKey.get(name);
      if (!entry || entry.state === 'not_made' || !holds(account, entry.payment, holder)) return false;
      if (change.state === 'made' && !change.refund) throw new TypeError('a made entry needs its refund');
      settledCount += Number(settled.has(change.state)) - Number(settled.has(entry.state));
      entry.state = change.state;
      if (change.refund) entry.refund = copy(change.refund);
      if (change.memo !== undefined) entry.memo = copy(change.memo);
      entry.updatedAt = now();
      byKey.delete(name);
      byKey.set(name, entry);
      // A `not_made` entry keeps its key (until replaced) but frees its reference for another refund.
      if (entry.state === 'not_made' && byReference.get(referenceOf(entry)) === entry) {
        byReference.delete(referenceOf(entry));
      }
      trim();
      return true;
    },

    async unsettled(options = {}) {
      const found: JournalEntry[] = [];
      for (const entry of byKey.values()) {
        if (entry.state === 'made' || entry.state === 'not_made') continue;
        if (options.account !== undefined && entry.account !== options.account) continue;
        if (options.payment !== undefined && entry.payment !== options.payment) continue;
        found.push(copy(entry));
      }
      found.sort((a, b) => a.createdAt - b.createdAt);
      return options.limit === undefined ? found : found.slice(0, options.limit);
    },

    async close() {},
  };
}
