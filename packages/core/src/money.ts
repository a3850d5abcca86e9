import { iso4217CodesByExponent } from './generated/iso4217.gen.js';
import { invalidRequest } from './refund-error.js';

/** An amount of money: `value` in integer minor units (cents, yen, fils…) of an ISO 4217 `currency`. */
export interface Money {
  /** Integer number of minor units, e.g. 1505 for €15.05 or ¥1505. */
  readonly value: number;
  /** ISO 4217 alphabetic code in upper case, e.g. `EUR`. */
  readonly currency: string;
}

let exponents: Map<string, number> | undefined;

/**
 * The number of minor-unit digits ISO 4217 gives a currency (0 for JPY, 2 for EUR, 3 for KWD), or
 * `undefined` for a code that is not an active ISO 4217 currency.
 */
export function currencyExponent(currency: string): number | undefined {
  if (!exponents) {
    exponents = new Map();
    for (const [digits, codes] of Object.entries(iso4217CodesByExponent)) {
      for (const code of codes.split(' ')) exponents.set(code, Number(digits));
    }
  }
  return exponents.get(currency);
}

const notIso4217 = 'must be an active ISO 4217 code in upper case, e.g. "EUR"';

/** `RefundAdapter.checkCurrency` for providers that refund in any ISO 4217 currency. */
export const checkIso4217Currency = (currency: string): string | undefined =>
  currencyExponent(currency) === undefined ? notIso4217 : undefined;

/**
 * Writes integer minor units as an exact decimal string in major units: (1505, 2) → "15.05",
 * (1505, 0) → "1505", (5, 3) → "0.005". String arithmetic only, so nothing is ever rounded.
 */
export function formatMinorUnits(value: number, exponent: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError('Money value must be a safe integer');
  const sign = value < 0 ? '-' : '';
  const digits = String(Math.abs(value)).padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * The JSON number a provider that takes decimals expects for these minor units, e.g. 1505 EUR cents →
 * 15.05. Throws a RangeError when the decimal has more significant digits than a JSON number keeps
 * exactly, instead of sending a rounded amount.
 */
export function minorUnitsToDecimal(value: number, exponent: number): number {
  const text = formatMinorUnits(value, exponent);
  const decimal = Number(text);
  // JSON.stringify writes the shortest text that reads back as the same double: exact when that text is
  // the decimal itself (less trailing fraction zeros).
  if (String(decimal) !== (exponent === 0 ? text : text.replace(/\.?0+$/, ''))) {
    throw new RangeError(`${text} cannot be sent as an exact JSON number`);
  }
  return decimal;
}

/**
 * The decimal in major units a provider that takes decimals is sent for `amount`, e.g. 1505 EUR → 15.05.
 * Throws an `invalid_request` naming the field when the currency is not ISO 4217 or the amount cannot be
 * sent as an exact JSON number: adapters call it before sending anything.
 */
export function decimalAmount(amount: Money, provider: string): number {
  const exponent = currencyExponent(amount.currency);
  if (exponent === undefined) throw invalidRequest('amount.currency', notIso4217, provider);
  try {
    return minorUnitsToDecimal(amount.value, exponent);
  } catch {
    throw invalidRequest('amount.value', 'is too large to send exactly', provider);
  }
}

const decimalPattern = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Reads a provider's decimal amount in major units (a JSON number or a numeric string) as exact integer
 * minor units: (15.05, 2) → 1505. Throws a RangeError for amounts with more decimals than the currency has
 * or beyond the safe-integer range.
 */
export function parseMajorUnits(amount: number | string, exponent: number): number {
  const text = typeof amount === 'number' ? numberToPlainString(amount) : amount.trim();
  const match = decimalPattern.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a decimal amount`);
  const [, sign = '', whole = '', fraction = ''] = match;
  const significantFraction = fraction.replace(/0+$/, '');
  if (significantFraction.length > exponent) {
    throw new RangeError(`"${text}" has more than ${exponent} decimal digits`);
  }
  const minor = Number(sign + whole + significantFraction.padEnd(exponent, '0'));
  if (!Number.isSafeInteger(minor)) throw new RangeError(`"${text}" is beyond the safe integer range`);
  return minor === 0 ? 0 : minor;
}

function numberToPlainString(amount: number): string {
  if (!Number.isFinite(amount)) throw new RangeError(`${amount} is not a finite amount`);
  const text = String(amount);
  // String() switches to exponent notation outside [1e-7, 1e21); no money amount needs those.
  if (/e/i.test(text)) throw new RangeError(`${text} is outside the range of money amounts`);
  return text;
}
