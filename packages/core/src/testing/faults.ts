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
  | 'drop-after-commit';

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
  /** For `delay`: the wait in milliseconds (default 100). */
  ms?: number;
  /** For `http-429`: the `Retry-After` value in seconds (default 1). */
  retryAfter?: number;
  /** For `drop-after-commit`: lose the response by resetting the connection (default) or by never answering. */
  drop?: 'reset' | 'timeout';
}

export interface ActiveFault extends FaultSpec {
  remaining: number;
}

const kinds = new Set<FaultKind>(['http-500', 'http-503', 'http-429', 'delay', 'reset', 'drop-after-commit']);

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
      if (!kinds.has(fault.kind)) throw new TypeError(`Unknown fault kind "${String(fault.kind)}"`);
      const times = fault.times ?? 1;
      if (!(times > 0)) throw new TypeError('Fault "times" must be a positive number');
      active.push({ ...fault, remaining: times });
    },
    clear() {
      active = [];
    },
    pending() {
      return active.map((fault) => ({ ...fault }));
    },
    take(request) {
      const fault = active.find((candidate) => matches(candidate.match, request));
      if (!fault) return undefined;
      fault.remaining -= 1;
      if (fault.remaining <= 0) active = active.filter((candidate) => candidate !== fault);
      return fault;
    },
  };
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
