// The in-memory reference journal (@refundkit/core) against the shared conformance suite.
import { memoryJournal } from '@refundkit/core';
import { describeJournalConformance } from '@refundkit/journal/testing';

describeJournalConformance('memoryJournal', {
  // One process, one object: every handle is the same journal.
  store: async () => {
    const journal = memoryJournal();
    return { open: () => journal };
  },
  propertyRuns: 300,
});
