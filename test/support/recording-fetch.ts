// A fetch stand-in for contract tests: records what the client sends and answers from a fixture.
// Nothing here touches the network.

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  /** The parsed JSON body, or undefined when the request had none. */
  body: unknown;
}

export function recordingFetch(respond: (request: Request) => Response | Promise<Response>) {
  const requests: RecordedRequest[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const text = await request.clone().text();
    requests.push({
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    });
    return respond(request);
  };
  return { fetch, requests };
}

export function jsonResponse(
  body: unknown,
  init: { status?: number; headers?: Record<string, string>; contentType?: string } = {},
): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { 'content-type': init.contentType ?? 'application/json', ...init.headers },
  });
}

interface SpecLike {
  paths: Record<string, Record<string, unknown>>;
}

type Examples = Record<string, { value?: unknown; $ref?: string }>;
type Node = { $ref?: string; [key: string]: unknown };

/** Follows a local `$ref` (`#/components/...`) until it reaches a plain object. */
function deref(spec: SpecLike, node: unknown): Node | undefined {
  let current = node as Node | undefined;
  for (let hops = 0; current?.$ref && hops < 10; hops += 1) {
    current = current.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((object, key) => (object as Record<string, unknown>)?.[key], spec) as Node | undefined;
  }
  return current;
}

function namedExample(spec: SpecLike, content: unknown, name: string, where: string): unknown {
  const media = content ? Object.values(content as Record<string, { examples?: Examples }>)[0] : undefined;
  const example = deref(spec, media?.examples?.[name]);
  if (!example) throw new Error(`No example "${name}" for ${where}`);
  return structuredClone(example.value);
}

/**
 * A named example of a response in a spec module, so contract tests parse exactly the examples the spec
 * documents (the seed pages' examples among them).
 */
export function responseExample(
  spec: SpecLike,
  path: string,
  method: string,
  status: string,
  name: string,
): unknown {
  const operation = deref(spec, spec.paths[path]?.[method]);
  const response = deref(spec, (operation?.responses as Record<string, unknown> | undefined)?.[status]);
  return namedExample(spec, response?.content, name, `${method.toUpperCase()} ${path} ${status}`);
}

/** A named example of a request body in a spec module. */
export function requestExample(spec: SpecLike, path: string, method: string, name: string): unknown {
  const operation = deref(spec, spec.paths[path]?.[method]);
  const requestBody = deref(spec, operation?.requestBody);
  return namedExample(spec, requestBody?.content, name, `${method.toUpperCase()} ${path} request`);
}
