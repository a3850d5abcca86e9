/** What a fault does to the requests it matches. */
export type FaultKind =
  /** Answer 500 without processing the request. */
  | 'http-500'
  /** Answer 503 without processing the request. */
  | 'http-503'
  /** Answer 429 with a `Retry-After` header without processing the request. */
  | 'http-429'
  /** Wait `ms` milliseconds, then process the request normally. */
  | 'delay'
  /** Drop the connection before the request is processed. */
  | 'reset'
  /** Process the request (the refund is recorded), then lose the response: a reset or a timeout. */
  | 'drop-after-commit'
  /**
   * A gateway or load balancer in front of the provider answers `status` (502 by default) with its own HTML
   * page, while the provider still processes the request: before the answer, or `ms` milliseconds after it.
   */
  | 'gateway-error'
  /**
   * Process the request `ms` milliseconds late, whether or not the caller is still waiting, and answer if it
   * is: a commit that lands after the attempt's timeout, or a slow write (Commerce Layer's tag).
   */
  | 'slow'
  /** Process the request, then answer 200 with a body that is not JSON (`commit: false`: without processing). */
  | 'garbage-200';

export interface FaultMatch {
  /** Only requests for this operation, e.g. `createRefund`. */
  operationId?: string;
  /** Only requests with this HTTP method. */
  method?: string;
  /** Only request paths (relative to the API base) equal to, or matching, this. */
  path?: string | RegExp;
}

export interface FaultSpec {
  kind: FaultKind;
  /** How many matching requests it affects; default 1. `Infinity` keeps it until cleared. */
  times?: number;
  match?: FaultMatch;
  /** Matching requests to let through untouched before the fault applies; default 0. */
  skip?: number;
  /** For `delay` and `slow`: the wait in milliseconds (default 100); for `gateway-error`: how long after its answer the request is processed (default 0: before it). */
  ms?: number;
  /** For `gateway-error`: the status it answers, default 502. */
  status?: 502 | 503 | 504;
  /** For `garbage-200`: whether the request is processed first (default true). */
  commit?: boolean;
  /** For `http-429`: the `Retry-After` value in seconds (default 1). */
  retryAfter?: number;
  /** For `drop-after-commit`: lose the response by resetting the connection (default) or by never answering. */
  drop?: 'reset' | 'timeout';
}

export interface ActiveFault extends FaultSpec {
  remaining: number;
  /** Matching requests still to let through before it applies. */
  skipping: number;
}

/** Every fault kind, for validation and for listing the valid ones. */
export const faultKinds: readonly FaultKind[] = [
  'http-500',
  'http-503',
  'http-429',
  'delay',
  'reset',
  'drop-after-commit',
  'gateway-error',
  'slow',
  'garbage-200',
];

export interface FaultControl {
  /** Arms a fault for the next matching requests. */
  inject(fault: FaultSpec): void;
  /** Disarms every fault. */
  clear(): void;
  /** The faults still armed. */
  pending(): ActiveFault[];
}

export function createFaults(): FaultControl & {
  take(request: { operationId: string; method: string; path: string }): ActiveFault | undefined;
} {
  let active: ActiveFault[] = [];
  return {
    inject(fault) {
      checkFault(fault);
      active.push({ ...fault, remaining: fault.times ?? 1, skipping: fault.skip ?? 0 });
    },
    clear() {
      active = [];
    },
    pending() {
      return active.map((fault) => ({ ...fault }));
    },
    take(request) {
      // Each fault counts the requests it lets through on its own; the first one not skipping applies.
      let fault: ActiveFault | undefined;
      for (const candidate of active) {
        if (!matches(candidate.match, request)) continue;
        if (candidate.skipping > 0) candidate.skipping -= 1;
        else fault ??= candidate;
      }
      if (!fault) return undefined;
      fault.remaining -= 1;
      if (fault.remaining <= 0) active = active.filter((candidate) => candidate !== fault);
      return fault;
    },
  };
}

const faultFields = ['kind', 'times', 'match', 'skip', 'ms', 'status', 'commit', 'retryAfter', 'drop'];
const matchFields = ['operationId', 'method', 'path'];

const shown = (value: unknown) =>
  value instanceof RegExp ? String(value) : (JSON.stringify(value) ?? String(value));

/** Rejects a fault spec that would misbehave later, naming the field and what it takes. */
function checkFault(fault: FaultSpec): void {
  if (fault === null || typeof fault !== 'object' || Array.isArray(fault)) {
    throw new TypeError(`A fault is an object like { kind: 'http-500' }, got ${shown(fault)}`);
  }
  const fail = (field: string, expected: string, value: unknown) => {
    throw new TypeError(`Fault "${field}" must be ${expected}, got ${shown(value)}`);
  };
  for (const field of Object.keys(fault)) {
    if (!faultFields.includes(field))
      throw new TypeError(`Unknown fault field "${field}" (the fields: ${faultFields.join(', ')})`);
  }
  if (!faultKinds.includes(fault.kind)) {
    throw new TypeError(`Unknown fault kind ${shown(fault.kind)} (one of: ${faultKinds.join(', ')})`);
  }
  const { times, skip, ms, status, commit, retryAfter, drop, match } = fault;
  if (times !== undefined && !(typeof times === 'number' && times > 0))
    fail('times', 'a positive number (Infinity keeps it until cleared)', times);
  if (skip !== undefined && !(Number.isSafeInteger(skip) && skip >= 0))
    fail('skip', 'a whole number ≥ 0', skip);
  if (ms !== undefined && !(typeof ms === 'number' && Number.isFinite(ms) && ms >= 0))
    fail('ms', 'a number of milliseconds ≥ 0', ms);
  if (status !== undefined && ![502, 503, 504].includes(status)) fail('status', '502, 503 or 504', status);
  if (commit !== undefined && typeof commit !== 'boolean') fail('commit', 'true or false', commit);
  if (retryAfter !== undefined && !(Number.isSafeInteger(retryAfter) && retryAfter >= 0))
    fail('retryAfter', 'a whole number of seconds ≥ 0', retryAfter);
  if (drop !== undefined && drop !== 'reset' && drop !== 'timeout')
    fail('drop', '"reset" or "timeout"', drop);
  if (match === undefined) return;
  if (match === null || typeof match !== 'object' || Array.isArray(match))
    fail('match', 'an object like { operationId: "createRefund" }', match);
  for (const field of Object.keys(match)) {
    if (!matchFields.includes(field))
      throw new TypeError(`Unknown fault field "match.${field}" (the fields: ${matchFields.join(', ')})`);
  }
  if (match.operationId !== undefined && typeof match.operationId !== 'string')
    fail('match.operationId', 'a string', match.operationId);
  if (match.method !== undefined && typeof match.method !== 'string')
    fail('match.method', 'a string', match.method);
  if (match.path !== undefined && typeof match.path !== 'string' && !(match.path instanceof RegExp))
    fail('match.path', 'a string or a RegExp', match.path);
}

function matches(
  match: FaultMatch | undefined,
  request: { operationId: string; method: string; path: string },
) {
  if (!match) return true;
  if (match.operationId && match.operationId !== request.operationId) return false;
  if (match.method && match.method.toUpperCase() !== request.method.toUpperCase()) return false;
  if (typeof match.path === 'string' && match.path !== request.path) return false;
  if (match.path instanceof RegExp && !match.path.test(request.path)) return false;
  return true;
}
