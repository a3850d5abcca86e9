import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkIso4217Currency,
  currencyExponent,
  decimalAmount,
  formatMinorUnits,
  minorUnitsToDecimal,
  parseMajorUnits,
} from '../src/money.js';

describe('currencyExponent', () => {
  it('follows ISO 4217 minor units, not CLDR display digits', () => {
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('IQD')).toBe(3); // CLDR displays 0 digits
    expect(currencyExponent('CLF')).toBe(4);
    expect(currencyExponent('SEK')).toBe(2);
  });

  it('knows no inactive, lower-case or non-money codes', () => {
    expect(currencyExponent('eur')).toBeUndefined();
    expect(currencyExponent('XAU')).toBeUndefined();
    expect(currencyExponent('XTS')).toBeUndefined();
    expect(currencyExponent('ABC')).toBeUndefined();
  });
});

describe('decimalAmount and checkIso4217Currency', () => {
  it('gives the decimal an adapter sends, or an invalid_request naming the field', () => {
    expect(decimalAmount({ value: 1505, currency: 'EUR' }, 'acme')).toBe(15.05);
    expect(decimalAmount({ value: 1505, currency: 'KWD' }, 'acme')).toBe(1.505);
    expect(decimalAmount({ value: 1505, currency: 'JPY' }, 'acme')).toBe(1505);
    expect(() => decimalAmount({ value: 1, currency: 'EUX' }, 'acme')).toThrow(
      expect.objectContaining({ code: 'invalid_request', field: 'amount.currency', provider: 'acme' }),
    );
    expect(() => decimalAmount({ value: Number.MAX_SAFE_INTEGER, currency: 'EUR' }, 'acme')).toThrow(
      expect.objectContaining({ code: 'invalid_request', field: 'amount.value' }),
    );
  });

  it('accepts active ISO 4217 codes only', () => {
    expect(checkIso4217Currency('SEK')).toBeUndefined();
    for (const code of ['sek', 'XYZ', 'EURO', '']) expect(checkIso4217Currency(code)).toMatch(/ISO 4217/);
  });
});

describe('formatMinorUnits', () => {
  it.each([
    [1505, 2, '15.05'],
    [5, 2, '0.05'],
    [1505, 0, '1505'],
    [5, 3, '0.005'],
    [0, 2, '0.00'],
    [-1505, 2, '-15.05'],
    [Number.MAX_SAFE_INTEGER, 2, '90071992547409.91'],
  ])('(%d, %d) → %s', (value, exponent, text) => {
    expect(formatMinorUnits(value, exponent)).toBe(text);
  });

  it('rejects values that are not safe integers', () => {
    expect(() => formatMinorUnits(15.5, 2)).toThrow(RangeError);
    expect(() => formatMinorUnits(2 ** 53, 2)).toThrow(RangeError);
  });
});

describe('parseMajorUnits', () => {
  it.each([
    [15.05, 2, 1505],
    ['15.05', 2, 1505],
    [0.1, 2, 10],
    [10, 2, 1000],
    ['1.50', 1, 15],
    [1505, 0, 1505],
    [1.005, 3, 1005],
  ])('(%s, %d) → %d', (amount, exponent, minor) => {
    expect(parseMajorUnits(amount, exponent)).toBe(minor);
  });

  it('refuses to round', () => {
    expect(() => parseMajorUnits(15.055, 2)).toThrow(/more than 2 decimal/);
    expect(() => parseMajorUnits(0.5, 0)).toThrow(RangeError);
    expect(() => parseMajorUnits('1e3', 2)).toThrow(RangeError);
    expect(() => parseMajorUnits(Number.NaN, 2)).toThrow(RangeError);
    expect(() => parseMajorUnits(1e21, 2)).toThrow(RangeError);
  });
});

describe('money round trips (property)', () => {
  const exponent = fc.constantFrom(0, 2, 3, 4);

  it('formatMinorUnits then parseMajorUnits returns the same integer', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), exponent, (value, e) => {
        expect(parseMajorUnits(formatMinorUnits(value, e), e)).toBe(value);
      }),
    );
  });

  it('minorUnitsToDecimal is exact or refuses, never rounds', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), exponent, (value, e) => {
        let decimal: number;
        try {
          decimal = minorUnitsToDecimal(value, e);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
          return;
        }
        expect(parseMajorUnits(decimal, e)).toBe(value);
        expect(JSON.parse(JSON.stringify(decimal))).toBe(decimal);
      }),
    );
  });

  it('every amount up to 10^15 minor units converts exactly (typical money fits)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 15 }), exponent, (value, e) => {
        expect(parseMajorUnits(minorUnitsToDecimal(value, e), e)).toBe(value);
      }),
    );
  });
});
