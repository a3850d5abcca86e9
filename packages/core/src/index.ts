export { abortRejection, whenAborted } from './abort.js';
export type { AdapterClient, AdapterClientMethod, ClientConfig } from './adapter-client.js';
export { createAdapterClient } from './adapter-client.js';
export type { CommonClientOptions, StringFormat } from './client-options.js';
export { requireStringOption, resolveCommonOptions, typeName, userAgent } from './client-options.js';
export type {
  IntentState,
  JournalEntry,
  JournalIntent,
  JournalTransition,
  RefundJournal,
} from './journal.js';
export type { MemoryJournalOptions } from './memory-journal.js';
export { memoryJournal } from './memory-journal.js';
export type { Money } from './money.js';
export {
  checkIso4217Currency,
  currencyExponent,
  decimalAmount,
  formatMinorUnits,
  minorUnitsToDecimal,
  parseMajorUnits,
} from './money.js';
export { providerError, retryAfterMs, successData } from './provider-error.js';
export type {
  AdapterCall,
  AdapterCreateInput,
  ProviderCapabilities,
  Refund,
  RefundAdapter,
  RefundStatus,
} from './refund.js';
export { commonRefundReasons, uuidPattern } from './refund.js';
export type { RefundErrorCode, RefundErrorOptions, RefundInDoubt } from './refund-error.js';
export { invalidRequest, isRefundError, RefundError } from './refund-error.js';
export { sleep } from './sleep.js';
export type { AttemptOptions, RefundEvent, RefundHooks } from './transport.js';
export {
  Deadline,
  isUnsentFailure,
  markUnsent,
  mayHaveActed,
  runAttempt,
  withoutSecrets,
} from './transport.js';
