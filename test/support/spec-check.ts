// Checks bodies against a provider spec the way the sandboxes do (the same validator), for contract tests
// of the providers' published examples. Nothing here touches the network.
import { OpenApiValidator } from '../../packages/core/src/testing/openapi-validator.js';

interface SpecLike {
  paths: Record<string, Record<string, unknown>>;
}

export function specCheck(spec: SpecLike) {
  const validator = new OpenApiValidator(spec);
  function operation(operationId: string) {
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, value] of Object.entries(item)) {
        if ((value as { operationId?: string }).operationId !== operationId) continue;
        const matched = validator.match(method, path);
        if (matched) return matched;
      }
    }
    throw new Error(`specCheck: no operation ${operationId}`);
  }
  return {
    /** The spec violations of a response, none when it is one the operation documents. */
    response(
      operationId: string,
      response: { status: number; headers?: Record<string, string>; body: unknown },
    ): string[] {
      return validator.validateResponse(operation(operationId), {
        status: response.status,
        headers: new Headers({ 'content-type': 'application/json', ...response.headers }),
        body: response.body,
      });
    },
    /** The spec violations of a request's query and JSON body. */
    request(operationId: string, request: { query?: Record<string, string>; body?: unknown }): string[] {
      return validator.validateRequest(operation(operationId), {
        query: new URLSearchParams(request.query),
        headers: new Headers(),
        body: request.body,
        contentType: request.body === undefined ? null : 'application/json',
      });
    },
  };
}
