// Canned success answers for every operation of the four provider specs (specs/<provider>.yaml): for each
// path and method, the first 2xx response with its first example body and its example headers. The
// loopback server mounts provider <p>'s paths under /<p>, so the four specs never collide.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const providers = ['commercelayer', 'payop', 'smartpay', 'geins'];

const specsDir = fileURLToPath(new URL('../../specs/', import.meta.url));
const methods = ['get', 'put', 'post', 'patch', 'delete'];

function resolver(spec) {
  return function resolve(node) {
    let current = node;
    for (let depth = 0; current && typeof current.$ref === 'string' && depth < 10; depth += 1) {
      const pointer = current.$ref.replace(/^#\//, '').split('/');
      current = pointer.reduce(
        (value, key) => value?.[key.replaceAll('~1', '/').replaceAll('~0', '~')],
        spec,
      );
    }
    return current;
  };
}

function firstExample(media, resolve) {
  if (media.example !== undefined) return media.example;
  for (const example of Object.values(media.examples ?? {})) {
    const value = resolve(example)?.value;
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Routes of one provider: `{ method, template, pattern, status, headers, body }`, body already encoded. */
export function providerRoutes(provider) {
  const spec = parse(readFileSync(`${specsDir}${provider}.yaml`, 'utf8'));
  const resolve = resolver(spec);
  const routes = [];
  for (const [template, item] of Object.entries(spec.paths ?? {})) {
    for (const method of methods) {
      const operation = item[method];
      if (!operation) continue;
      const code = Object.keys(operation.responses ?? {})
        .filter((status) => /^2\d\d$/.test(status))
        .sort()[0];
      if (!code) continue;
      const response = resolve(operation.responses[code]);
      const headers = {};
      for (const [name, header] of Object.entries(response.headers ?? {})) {
        const resolved = resolve(header);
        const value = resolved?.example ?? resolved?.schema?.example;
        if (value !== undefined) headers[name.toLowerCase()] = String(value);
      }
      const [mediaType, media] = Object.entries(response.content ?? {})[0] ?? [];
      const example = media ? firstExample(media, resolve) : undefined;
      const body = example === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(example));
      if (mediaType && example !== undefined) headers['content-type'] = mediaType;
      headers['content-length'] = String(body.length);
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+');
      routes.push({
        provider,
        method: method.toUpperCase(),
        template: `/${provider}${template}`,
        pattern: new RegExp(`^/${provider}${source}$`),
        status: Number(code),
        headers,
        body,
      });
    }
  }
  return routes;
}

/** Every provider's routes, literal paths before templated ones (`/Refund/List` before `/Refund/{refundId}`). */
export function allRoutes() {
  const params = (route) => route.template.split('{').length;
  return providers.flatMap(providerRoutes).sort((a, b) => params(a) - params(b));
}
