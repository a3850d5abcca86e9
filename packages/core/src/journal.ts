// The refund journal: what the facade knows about each logical refund, kept where every process that refunds
// through the same accounts can see it. Three of the four providers have no idempotency key, so whether a
// create may be sent again rests on this record: the intent is written before the create is sent, and every
// step after it. A lease per payment serializes the creates of one payment across processes, so that a
// provider without references of its own (Commerce Layer) can tell its refund by what changed, and a
// transition is accepted only from the lease's holder, so a holder that lost its lease cannot write.
import type { AdapterCreateInput, Refund } from './refund.js';

/**
 * Where a logical refund stands:
 * - `recorded`: its intent is written and its create certainly not sent yet;
 * - `sent`: a create may be out (written before each send); a crash here leaves it to `recover()`;
 * - `made`: the provider made it, `refund` says which;
 * - `not_made`: certainly not made, and final: the entry no longer holds its reference, and holds its key only
 *   until `record` replaces it (a transition would make two live entries of one reference);
 * - `in_doubt`: a call ended in `outcome_unknown`; the next create with its key, or `recover()`, settles it.
 */
export type IntentState = 'recorded' | 'sent' | 'made' | 'not_made' | 'in_doubt';

/** A logical refund as the facade records it before sending anything. */
export interface JournalIntent {
  /** The facade's name of the account (the key in `providers`): keys and references are per account. */
  account: string;
  /** The logical refund's idempotency key, the caller's or a generated one. */
  key: string;
  provider: string;
  payment: string;
  /** Its merchant reference, the caller's or the one derived from its key. */
  reference: string;
  /** What the create asks for, to tell a repeated call from a reused key or reference. */
  fingerprint: string;
  /** The create input it is sent with, for `recover()` in another process. */
  input: AdapterCreateInput;
}

/** An intent and what became of it. Everything in it survives a JSON round trip. */
export interface JournalEntry extends JournalIntent {
  state: IntentState;
  /** The refund, once `made`. */
  refund: Refund | undefined;
  /**
   * What the adapter needs to settle a create another process sent (Commerce Layer: the capture's refunds
   * before its trigger); JSON, written before that send.
   */
  memo: unknown;
  /** Milliseconds since the epoch, by the journal's clock. */
  createdAt: number;
  updatedAt: number;
}

/** A change of an entry's state, and what it brings. */
export interface JournalTransition {
  state: IntentState;
  /** Required for `made`. */
  refund?: Refund;
  /** Replaces the memo when given. */
  memo?: unknown;
}

/**
 * Where the facade keeps its refunds' intents and leases. Every method is atomic with respect to every other
 * user of the same journal (other `createRefunds` instances, other processes for a shared store).
 */
export interface RefundJournal {
  /**
   * Writes `intent` as `recorded`, unless an entry of its account that is not `not_made` has its key, or its
   * payment and reference: then nothing is written and that entry is returned (by key before by reference).
   * A `not_made` entry with its key is replaced.
   */
  record(
    intent: JournalIntent,
  ): Promise<
    | { recorded: true; entry: JournalEntry }
    | { recorded: false; entry: JournalEntry; by: 'key' | 'reference' }
  >;
  /** The entry with this key, if any. */
  get(account: string, key: string): Promise<JournalEntry | undefined>;
  /**
   * Takes the lease on one payment for `holder` for `ttlMs` from now, by the journal's clock: when it is
   * free, expired, or already `holder`'s (then it is extended). Returns whether `holder` now holds it.
   */
  lease(account: string, payment: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease back, if `holder` holds it. */
  release(account: string, payment: string, holder: string): Promise<void>;
  /**
   * Applies `change` to the entry with this key, only while `holder` holds an unexpired lease on the entry's
   * payment. Returns false, writing nothing, when it does not, when there is no such entry, or when the entry
   * is `not_made`.
   */
  transition(account: string, key: string, holder: string, change: JournalTransition): Promise<boolean>;
  /**
   * Entries `recorded`, `sent` or `in_doubt`, oldest first: what `recover()` settles; of one account, and
   * of one payment of it, when given (an adapter that tells refunds apart by what changed on the payment,
   * Commerce Layer, must know every create of it still unaccounted for, whichever process sent it).
   */
  unsettled(options?: { account?: string; payment?: string; limit?: number }): Promise<JournalEntry[]>;
  /** Releases what the journal holds open (connections, files). */
  close(): Promise<void>;
}
