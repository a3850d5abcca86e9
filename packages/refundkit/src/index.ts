export { commercelayer } from '@refundkit/commercelayer';
export type {
  IntentState,
  JournalEntry,
  JournalIntent,
  JournalTransition,
  MemoryJournalOptions,
  Money,
  ProviderCapabilities,
  Refund,
  RefundAdapter,
  RefundErrorCode,
  RefundEvent,
  RefundHooks,
  RefundJournal,
  RefundStatus,
} from '@refundkit/core';
export { currencyExponent, isRefundError, memoryJournal, RefundError } from '@refundkit/core';
export { geins } from '@refundkit/geins';
export { payop } from '@refundkit/payop';
export { smartpay } from '@refundkit/smartpay';
export type {
  CallOptions,
  CreateRefundInput,
  RecoveredIntent,
  RecoverOptions,
  RecoverReport,
  Refunds,
  RefundsOptions,
} from './create-refunds.js';
export { createRefunds } from './create-refunds.js';
