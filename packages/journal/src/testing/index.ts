// @refundkit/journal/testing: the conformance suite, for your own RefundJournal too. Needs vitest and fast-check.
export type { JournalConformanceOptions, JournalStore } from './journal-conformance.js';
export { describeJournalConformance, sampleIntent } from './journal-conformance.js';
