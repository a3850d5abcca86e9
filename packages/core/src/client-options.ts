// Checks on the options of create<Provider>Client. They throw TypeError naming the option and never echo
// its value, which may be a credential.

export interface StringFormat {
  pattern: RegExp;
  /** What a valid value looks like, for the message, e.g. "a secret key (sk_test_… or sk_live_…)". */
  description: string;
}

/** What `value` is, for a message that must not echo it (it may be a credential): `number`, `null`, `array`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/** Returns `options[name]` when it is a non-empty string (matching `format`, if given), else throws. */
export function requireStringOption(
  options: object | undefined,
  owner: string,
  name: string,
  format?: StringFormat,
): string {
  const value = (options as Record<string, unknown> | undefined)?.[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TypeError(`${owner}: option "${name}" is required and must be a non-empty string.`);
  }
  // Sent in a header, where Node refuses them only when a request is made.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new TypeError(
      `${owner}: option "${name}" must not contain control characters (a pasted newline?).`,
    );
  }
  if (format && !format.pattern.test(value)) {
    throw new TypeError(`${owner}: option "${name}" must be ${format.description}.`);
  }
  return value;
}

export interface CommonClientOptions {
  /** Overrides the provider's base URL, e.g. to point at a sandbox. */
  baseUrl?: string;
  /**
   * A `fetch` to send with. Clients otherwise use the global `fetch`; facade adapters use `node:http(s)` on
   * Node (faster; intercepted by nock and MSW, but not by a stubbed global `fetch`) and the global `fetch`
   * elsewhere.
   */
  fetch?: (request: Request) => Promise<Response>;
  /** Extra headers sent with every request. A `User-Agent` among them replaces refundkit's. */
  headers?: Record<string, string>;
}

/**
 * The `User-Agent` of a refundkit package, `refundkit-<provider>/<version> (node/<process.version>)`: the
 * RFC 9110 product-and-comment form, with the runtime in the comment. The comment is left out where there
 * is no `process` (edge runtimes).
 */
export function userAgent(provider: string, version: string): string {
  const node = (globalThis as { process?: { version?: string } }).process?.version;
  return `refundkit-${provider}/${version}${node ? ` (node/${node})` : ''}`;
}

/** Checks the options every client shares and returns the base URL to use. */
export function resolveCommonOptions(
  options: CommonClientOptions | undefined,
  owner: string,
  defaultBaseUrl: string,
): string {
  const baseUrl = options?.baseUrl ?? defaultBaseUrl;
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) {
    throw new TypeError(`${owner}: option "baseUrl" must be an absolute URL.`);
  }
  // `localhost:4010` parses too, as a URL of scheme `localhost:`: nothing could be sent to it.
  if (!/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw new TypeError(
      `${owner}: option "baseUrl" must be an http: or https: URL (e.g. http://localhost:4010).`,
    );
  }
  if (options?.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new TypeError(`${owner}: option "fetch" must be a function.`);
  }
  if (options?.headers !== undefined && (typeof options.headers !== 'object' || options.headers === null)) {
    throw new TypeError(`${owner}: option "headers" must be an object of header names to values.`);
  }
  return baseUrl.replace(/\/+$/, '');
}
