// Validates requests and responses against an OpenAPI 3.1 document. OAS 3.1 schemas are JSON Schema
// 2020-12, so Ajv's 2020 mode validates them directly; each operation's validators are compiled on first
// use and cached, and the document is added to Ajv once per validator.
import ajv2020 from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';

type JsonObject = Record<string, unknown>;
type Validate = ((data: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string }[] | null;
};

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  style?: string;
  explode?: boolean;
  schema?: JsonObject;
}

export interface MatchedOperation {
  operationId: string;
  method: string;
  pathTemplate: string;
  pathParams: Record<string, string>;
}

interface CompiledOperation {
  parameters: { parameter: ParameterObject; validate: Validate }[];
  body?: { required: boolean; media: Map<string, Validate | undefined> };
  responses: Map<string, CompiledResponse>;
}

interface CompiledResponse {
  headers: { name: string; required: boolean; schema: JsonObject | undefined; validate: Validate }[];
  media: Map<string, Validate | undefined>;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  literalSegments: number;
  operation: JsonObject;
  pathItem: JsonObject;
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const specId = 'openapi';

function pointer(...segments: string[]): string {
  return segments
    .map((segment) => encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1')))
    .join('/');
}

function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export class OpenApiValidator {
  readonly #spec: JsonObject;
  readonly #ajv: InstanceType<typeof ajv2020.default>;
  readonly #routes: Route[];
  readonly #compiled = new Map<string, CompiledOperation>();

  constructor(spec: object) {
    this.#spec = spec as JsonObject;
    this.#ajv = new ajv2020.default({ strict: false, allErrors: true, validateSchema: false, logger: false });
    ajvFormats.default(this.#ajv);
    this.#ajv.addSchema(this.#spec, specId);
    this.#routes = this.#buildRoutes();
  }

  /** The server URL's path (e.g. `/api`), which every operation path is relative to. */
  get basePath(): string {
    const server = ((this.#spec.servers as JsonObject[] | undefined)?.[0] ?? {}) as {
      url?: string;
      variables?: Record<string, { default: string }>;
    };
    let url = server.url ?? '/';
    for (const [name, variable] of Object.entries(server.variables ?? {})) {
      url = url.replaceAll(`{${name}}`, variable.default);
    }
    return new URL(url, 'http://localhost').pathname.replace(/\/+$/, '');
  }

  match(method: string, path: string): MatchedOperation | undefined {
    const lower = method.toLowerCase();
    for (const route of this.#routes) {
      if (route.method !== lower) continue;
      const found = route.pattern.exec(path);
      if (!found) continue;
      const pathParams: Record<string, string> = {};
      try {
        route.names.forEach((name, index) => {
          pathParams[name] = decodeURIComponent(found[index + 1]!);
        });
      } catch {
        // Not valid percent-encoding (`%E0%A4%A`): the path names nothing, on any route.
        return undefined;
      }
      return {
        operationId: String(route.operation.operationId),
        method: lower,
        pathTemplate: route.template,
        pathParams,
      };
    }
    return undefined;
  }

  validateRequest(
    matched: MatchedOperation,
    request: { query: URLSearchParams; headers: Headers; body: unknown; contentType: string | null },
  ): string[] {
    const compiled = this.#compile(matched);
    const violations: string[] = [];
    for (const { parameter, validate } of compiled.parameters) {
      const raw = this.#rawParameter(parameter, matched, request);
      if (raw === undefined) {
        if (parameter.required) violations.push(`${parameter.in} parameter "${parameter.name}" is required`);
        continue;
      }
      const value = coerce(raw, this.#deref(parameter.schema));
      if (!validate(value))
        violations.push(...describe(validate, `${parameter.in} parameter "${parameter.name}"`));
    }
    if (compiled.body) {
      if (request.body === undefined) {
        if (compiled.body.required) violations.push('request body is required');
      } else {
        const mediaType = mediaTypeOf(request.contentType);
        if (!compiled.body.media.has(mediaType)) {
          violations.push(
            `request Content-Type "${mediaType || '(none)'}" is not one of ${[...compiled.body.media.keys()].join(', ')}`,
          );
        } else {
          const validate = compiled.body.media.get(mediaType);
          if (validate && !validate(request.body)) violations.push(...describe(validate, 'request body'));
        }
      }
    } else if (request.body !== undefined) {
      violations.push('this operation takes no request body');
    }
    return violations;
  }

  validateResponse(
    matched: MatchedOperation,
    response: { status: number; headers: Headers; body: unknown },
  ): string[] {
    const compiled = this.#compile(matched);
    const status = String(response.status);
    const documented =
      compiled.responses.get(status) ??
      compiled.responses.get(`${status[0]}XX`) ??
      compiled.responses.get('default');
    if (documented) return this.#check(documented, status, response);
    // Providers answer 4xx statuses their docs do not list for every operation (a malformed id, a refused
    // method, a body over a limit); such an answer must still have the shape of an error the API documents.
    const undocumented = [`response status ${status} is not documented for ${matched.operationId}`];
    if (!status.startsWith('4')) return undocumented;
    const errors = this.#routes.flatMap((route) =>
      [
        ...this.#compile({
          operationId: String(route.operation.operationId),
          method: route.method,
          pathTemplate: route.template,
          pathParams: {},
        }).responses,
      ]
        .filter(([key]) => key.startsWith('4'))
        .map(([, error]) => error),
    );
    const checked = errors.map((error) => this.#check(error, status, response));
    if (checked.some((violations) => violations.length === 0)) return [];
    return checked[0] ?? undocumented;
  }

  #check(
    documented: CompiledResponse,
    status: string,
    response: { headers: Headers; body: unknown },
  ): string[] {
    const violations: string[] = [];
    for (const header of documented.headers) {
      const value = response.headers.get(header.name);
      if (value === null) {
        if (header.required) violations.push(`response header "${header.name}" is required`);
      } else if (!header.validate(coerce(value, header.schema))) {
        violations.push(...describe(header.validate, `response header "${header.name}"`));
      }
    }
    if (documented.media.size === 0) {
      if (response.body !== undefined) violations.push(`response ${status} documents no body`);
      return violations;
    }
    const mediaType = mediaTypeOf(response.headers.get('content-type'));
    if (!documented.media.has(mediaType)) {
      violations.push(`response Content-Type "${mediaType}" is not documented for ${status}`);
      return violations;
    }
    const validate = documented.media.get(mediaType);
    if (validate && !validate(response.body))
      violations.push(...describe(validate, `response ${status} body`));
    return violations;
  }

  #buildRoutes(): Route[] {
    const routes: Route[] = [];
    for (const [template, pathItem] of Object.entries(
      (this.#spec.paths ?? {}) as Record<string, JsonObject>,
    )) {
      const names: string[] = [];
      const source = template
        .split('/')
        .map((segment) =>
          segment.replace(/\{([^}]+)\}|[^{]+/g, (part, name?: string) => {
            if (name) {
              names.push(name);
              return '([^/]+)';
            }
            return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
          }),
        )
        .join('/');
      const literalSegments = template
        .split('/')
        .filter((segment) => segment && !segment.includes('{')).length;
      for (const method of methods) {
        const operation = pathItem[method] as JsonObject | undefined;
        if (!operation) continue;
        routes.push({
          method,
          template,
          pattern: new RegExp(`^${source}/?$`),
          names,
          literalSegments,
          operation,
          pathItem,
        });
      }
    }
    // Literal segments win over templated ones (`/Refund/List` before `/Refund/{refundId}`).
    return routes.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  #deref<T>(node: T): T {
    let current = node as JsonObject | undefined;
    for (let hops = 0; current && typeof current.$ref === 'string' && hops < 20; hops += 1) {
      current = (current.$ref as string)
        .slice(2)
        .split('/')
        .map((segment) => decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~'))
        .reduce<unknown>(
          (object, key) => (object as JsonObject | undefined)?.[key],
          this.#spec,
        ) as JsonObject;
    }
    return current as T;
  }

  #validator(...segments: string[]): Validate {
    return this.#ajv.compile({ $ref: `${specId}#/${pointer(...segments)}` }) as Validate;
  }

  #compile(matched: MatchedOperation): CompiledOperation {
    const cached = this.#compiled.get(matched.operationId);
    if (cached) return cached;
    const route = this.#routes.find(
      (r) => r.template === matched.pathTemplate && r.method === matched.method,
    )!;
    const base = ['paths', route.template];
    const compiled: CompiledOperation = { parameters: [], responses: new Map() };

    const parameterRefs = [
      ...((route.pathItem.parameters as JsonObject[] | undefined) ?? []).map(
        (p, i) => [p, [...base, 'parameters', String(i)]] as const,
      ),
      ...((route.operation.parameters as JsonObject[] | undefined) ?? []).map(
        (p, i) => [p, [...base, matched.method, 'parameters', String(i)]] as const,
      ),
    ];
    const byKey = new Map<string, { parameter: ParameterObject; validate: Validate }>();
    for (const [node, location] of parameterRefs) {
      const parameter = this.#deref(node) as unknown as ParameterObject;
      const schemaLocation =
        typeof node.$ref === 'string'
          ? [...refSegments(node.$ref as string), 'schema']
          : [...location, 'schema'];
      byKey.set(`${parameter.in}:${parameter.name.toLowerCase()}`, {
        parameter,
        validate: parameter.schema ? this.#validator(...schemaLocation) : ((() => true) as Validate),
      });
    }
    compiled.parameters = [...byKey.values()];

    const requestBodyNode = route.operation.requestBody as JsonObject | undefined;
    if (requestBodyNode) {
      const requestBody = this.#deref(requestBodyNode);
      const location =
        typeof requestBodyNode.$ref === 'string'
          ? refSegments(requestBodyNode.$ref)
          : [...base, matched.method, 'requestBody'];
      compiled.body = { required: Boolean(requestBody.required), media: new Map() };
      for (const [mediaType, media] of Object.entries(
        (requestBody.content ?? {}) as Record<string, JsonObject>,
      )) {
        compiled.body.media.set(
          mediaType.toLowerCase(),
          media.schema ? this.#validator(...location, 'content', mediaType, 'schema') : undefined,
        );
      }
    }

    for (const [status, responseNode] of Object.entries(
      (route.operation.responses ?? {}) as Record<string, JsonObject>,
    )) {
      const response = this.#deref(responseNode);
      const location =
        typeof responseNode.$ref === 'string'
          ? refSegments(responseNode.$ref)
          : [...base, matched.method, 'responses', status];
      const headers = Object.entries((response.headers ?? {}) as Record<string, JsonObject>).map(
        ([name, headerNode]) => {
          const header = this.#deref(headerNode);
          const headerLocation =
            typeof headerNode.$ref === 'string'
              ? refSegments(headerNode.$ref)
              : [...location, 'headers', name];
          return {
            name,
            required: Boolean(header.required),
            schema: this.#deref(header.schema as JsonObject | undefined),
            validate: this.#validator(...headerLocation, 'schema'),
          };
        },
      );
      const media = new Map<string, Validate | undefined>();
      for (const [mediaType, mediaObject] of Object.entries(
        (response.content ?? {}) as Record<string, JsonObject>,
      )) {
        media.set(
          mediaType.toLowerCase(),
          mediaObject.schema ? this.#validator(...location, 'content', mediaType, 'schema') : undefined,
        );
      }
      compiled.responses.set(status.toUpperCase(), { headers, media });
    }
    this.#compiled.set(matched.operationId, compiled);
    return compiled;
  }

  #rawParameter(
    parameter: ParameterObject,
    matched: MatchedOperation,
    request: { query: URLSearchParams; headers: Headers },
  ): unknown {
    switch (parameter.in) {
      case 'path':
        return matched.pathParams[parameter.name];
      case 'header':
        return request.headers.get(parameter.name) ?? undefined;
      case 'query': {
        if (parameter.style === 'deepObject') return deepObject(request.query, parameter.name);
        const values = request.query.getAll(parameter.name);
        if (values.length === 0) return undefined;
        const schema = this.#deref(parameter.schema);
        const isArray = schema?.type === 'array';
        if (!isArray) return values[0];
        return parameter.explode === false ? values[0]!.split(',') : values;
      }
      default:
        return undefined;
    }
  }
}

function refSegments(ref: string): string[] {
  return ref
    .slice(2)
    .split('/')
    .map((segment) => decodeURIComponent(segment).replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** `filter[q][reference_eq]=x&filter[q][number_in]=1` → `{ q: { reference_eq: 'x', number_in: '1' } }`. */
function deepObject(query: URLSearchParams, name: string): JsonObject | undefined {
  let result: JsonObject | undefined;
  for (const [key, value] of query) {
    if (!key.startsWith(`${name}[`)) continue;
    const path = [...key.slice(name.length).matchAll(/\[([^\]]*)\]/g)].map((found) => found[1]!);
    result ??= {};
    let node = result;
    path.forEach((segment, index) => {
      if (index === path.length - 1) {
        node[segment] = value;
        return;
      }
      node[segment] ??= {};
      node = node[segment] as JsonObject;
    });
  }
  return result;
}

/** Turns a parameter's or header's text into the JSON type its schema asks for, so the schema can judge it. */
function coerce(raw: unknown, schema: JsonObject | undefined): unknown {
  if (Array.isArray(raw)) {
    const items = (schema?.items ?? undefined) as JsonObject | undefined;
    return raw.map((item) => coerce(item, items));
  }
  if (typeof raw !== 'string' || !schema) return raw;
  const types = ([] as unknown[]).concat(schema.type ?? []);
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(raw))
    return Number(raw);
  if (types.includes('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

function describe(validate: Validate, where: string): string[] {
  return (validate.errors ?? []).map(
    (error) => `${where}${error.instancePath} ${error.message ?? 'is invalid'}`,
  );
}
