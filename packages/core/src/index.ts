export type { CommonClientOptions, StringFormat } from './client-options.js';
export { requireStringOption, resolveCommonOptions } from './client-options.js';
export type { Money } from './money.js';
export { currencyExponent, formatMinorUnits, minorUnitsToDecimal, parseMajorUnits } from './money.js';
export type { RefundErrorCode, RefundErrorOptions } from './refund-error.js';
export { isRefundError, RefundError } from './refund-error.js';
