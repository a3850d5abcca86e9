// The rendered reference (`pnpm run docs` → docs/dist) in a real headless Chromium: Debian's `chromium` package
// driven by playwright-core, no browser download. Every operation and webhook of every spec is reached from
// its page's menu and renders its summary, the index links every reference and README, no page requests
// anything outside 127.0.0.1, and a full-page screenshot of each spec's page is saved in
// artifacts/docs/<api>.png (CI uploads that folder).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'docs/dist');
const artifacts = join(root, 'artifacts/docs');
const chromiumPath = '/usr/bin/chromium';
const timeout = 30_000;

interface Operation {
  /** Where the spec declares it, e.g. `POST /v1/refunds` or `webhook refundIpn POST`. */
  where: string;
  operationId: string;
  summary: string;
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
type PathItems = Record<string, Record<string, { operationId: string; summary: string }>>;

/** Every operation under `paths` and every one under `webhooks`. */
function operationsOf(spec: { paths?: PathItems; webhooks?: PathItems }): Operation[] {
  const list = (items: PathItems = {}, prefix: (name: string, method: string) => string) =>
    Object.entries(items).flatMap(([name, item]) =>
      methods
        .filter((method) => item[method])
        .map((method) => {
          const { operationId, summary } = item[method]!;
          return { where: prefix(name, method.toUpperCase()), operationId, summary };
        }),
    );
  return [
    ...list(spec.paths, (path, method) => `${method} ${path}`),
    ...list(spec.webhooks, (name, method) => `webhook ${name} ${method}`),
  ];
}

/** Matches a text that starts with `text` (whitespace collapsed), as a heading followed by its badges does. */
const startingWith = (text: string) =>
  new RegExp(
    `^${text
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
  );

const { apis } = parse(readFileSync(join(root, 'redocly.yaml'), 'utf8')) as {
  apis: Record<string, { root: string }>;
};
const specs = Object.entries(apis).map(([name, api]) => {
  const path = api.root.replace(/^\.\//, '');
  const document = parse(readFileSync(join(root, path), 'utf8'));
  return { name, path, title: document.info.title as string, operations: operationsOf(document) };
});
/** Each README and the page `pnpm run docs` renders it into. */
const readmes = [
  { path: 'README.md', page: 'readme/refundkit-monorepo.html' },
  ...readdirSync(join(root, 'packages'))
    .sort()
    .map((dir) => ({ path: `packages/${dir}/README.md`, page: `readme/${dir}.html` })),
];

const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.json': 'application/json' };

/** Serves the files in docs/dist on 127.0.0.1. */
function serve(): Promise<Server> {
  const server = createServer((request, response) => {
    const path = normalize(new URL(request.url ?? '/', 'http://x').pathname);
    const file = join(dist, path === '/' ? 'index.html' : path);
    if (!file.startsWith(`${dist}/`) || !existsSync(file) || !types[extname(file)]) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': types[extname(file)]! }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('operationsOf', () => {
  it('lists the operations under paths and under webhooks', () => {
    const spec = parse(`
paths:
  /refunds:
    get: { operationId: listRefunds, summary: List refunds }
    post: { operationId: createRefund, summary: Create a refund }
    parameters: []
webhooks:
  refundIpn:
    post: { operationId: refundIpn, summary: Refund IPN }
`);
    expect(operationsOf(spec)).toEqual([
      { where: 'GET /refunds', operationId: 'listRefunds', summary: 'List refunds' },
      { where: 'POST /refunds', operationId: 'createRefund', summary: 'Create a refund' },
      { where: 'webhook refundIpn POST', operationId: 'refundIpn', summary: 'Refund IPN' },
    ]);
  });
});

const hasChromium = existsSync(chromiumPath);
const skip = !hasChromium && process.env.CI !== 'true';
if (skip) {
  // biome-ignore lint/suspicious/noConsole: why the browser tests did not run, where a skip shows no reason
  console.warn(
    `reference-docs.test.ts: skipped, no Chromium at ${chromiumPath} ` +
      '(apt-get install chromium; with CI=true this fails instead)',
  );
}

describe.skipIf(skip)('the rendered reference in headless Chromium', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  /** Requests to anything but 127.0.0.1, aborted. */
  const outside: string[] = [];
  /** Uncaught exceptions and console errors of any page. */
  const errors: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) {
      throw new Error(`no Chromium at ${chromiumPath}: .ci/run installs Debian's chromium package`);
    }
    if (!existsSync(join(dist, 'manifest.json')))
      throw new Error('docs/dist is not built: run `pnpm run docs`');
    server = await serve();
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    mkdirSync(artifacts, { recursive: true });
    browser = await chromium.launch({
      executablePath: chromiumPath,
      // Playwright itself passes --headless, --no-sandbox (chromiumSandbox is off), --no-first-run,
      // --disable-background-networking, --disable-component-update, --disable-sync and a new empty
      // --user-data-dir; these two it does not.
      args: ['--disable-gpu', '--disable-quic'],
      timeout,
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(timeout);
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      outside.push(url.href);
      return route.abort('blockedbyclient');
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(`${path}: ${error.message}`));
    page.on('websocket', (socket) => {
      if (new URL(socket.url()).hostname !== '127.0.0.1') outside.push(socket.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${path}: console: ${message.text()}`);
    });
    await page.goto(`${origin}/${path}`, { waitUntil: 'load' });
    return page;
  }

  it('serves a docs/dist built from the current specs, READMEs and build script', () => {
    const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
    const sha256 = (path: string) =>
      createHash('sha256')
        .update(readFileSync(join(root, path)))
        .digest('hex');
    const inputs = [
      'redocly.yaml',
      'scripts/build-docs.mjs',
      ...[...specs, ...readmes].map(({ path }) => path),
    ];
    const current = Object.fromEntries(inputs.map((path) => [path, sha256(path)]));
    expect(manifest.sources, 'docs/dist is stale: run `pnpm run docs`').toEqual(current);
  });

  it('aborts and records a request outside 127.0.0.1 (the guard the pages are held to)', async () => {
    const page = await context.newPage();
    await page.setContent('<img src="https://docs-probe.invalid/logo.svg">', { waitUntil: 'load' });
    await page.close();
    expect(outside.splice(0)).toEqual(['https://docs-probe.invalid/logo.svg']);
  });

  /**
   * Clicks the menu group at `index` (none: the groups open now) and the link of each of `operations` it
   * shows, recording in `unrendered` those whose heading does not show; resolves with those it clicked.
   */
  async function visit(page: Page, index: number | undefined, operations: Operation[], unrendered: string[]) {
    const menu = page.locator('[data-component-name="Menu/MenuItem"]');
    if (index !== undefined)
      await menu.and(page.locator('.menu-item-type-group')).nth(index).locator('> a').click();
    const visited: Operation[] = [];
    for (const operation of operations) {
      const link = menu.locator(`a[href$="/${operation.operationId.toLowerCase()}"]`);
      if (!(await link.isVisible())) continue;
      visited.push(operation);
      await link.click();
      const heading = page
        .locator('#api-content')
        .getByRole('heading', { level: 2 })
        .filter({ hasText: startingWith(operation.summary) });
      await heading.waitFor({ state: 'visible', timeout: 20_000 }).catch(() => {
        unrendered.push(`${operation.where} (${operation.operationId}): no heading "${operation.summary}"`);
      });
    }
    return visited;
  }

  for (const spec of specs) {
    it(`${spec.name}: renders each of its ${spec.operations.length} operations and webhooks from the menu`, async () => {
      // The menu lists each tag as a group that opens when clicked (opening one may close another), with its
      // operations and webhooks as links ending in their operationId, lower-cased; clicking one renders it in
      // the content panel under its summary.
      const page = await open(`${spec.name}.html`);
      await page
        .locator('#api-content h1')
        .filter({ hasText: startingWith(spec.title) })
        .waitFor();
      const unrendered: string[] = [];
      // Redoc renders operations on demand and drops those far from the one shown, so the screenshot is taken
      // on the first group's first operation: the overview, the tag, then that operation in full.
      const [first] = await visit(page, 0, spec.operations.slice(0, 1), unrendered);
      expect(first, 'the first operation is in the first menu group').toBe(spec.operations[0]);
      await page.screenshot({ path: join(artifacts, `${spec.name}.png`), fullPage: true });

      const groups = await page.locator('[data-component-name="Menu/MenuItem"].menu-item-type-group').count();
      let pending = spec.operations.slice(1);
      for (let i = 0; i < groups && pending.length > 0; i++) {
        const visited = await visit(page, i === 0 ? undefined : i, pending, unrendered);
        pending = pending.filter((operation) => !visited.includes(operation));
      }
      await page.close();
      const missing = pending.map((operation) => `${operation.where} (${operation.operationId})`);
      expect(missing, 'operations with no link in the menu').toEqual([]);
      expect(unrendered, 'operations not rendered when their link is clicked').toEqual([]);
      expect(errors.splice(0)).toEqual([]);
      expect(outside.splice(0)).toEqual([]);
    }, 240_000);
  }

  it('index.html links every API reference and every README, and each README renders', async () => {
    const page = await open('index.html');
    const links = await page
      .locator('a')
      .evaluateAll((anchors) => anchors.map((a) => ({ href: a.getAttribute('href'), text: a.textContent })));
    expect(links.map((link) => link.href)).toEqual([
      ...specs.map((spec) => `${spec.name}.html`),
      ...readmes.map((readme) => readme.page),
    ]);
    for (const spec of specs) expect(links).toContainEqual({ href: `${spec.name}.html`, text: spec.title });
    await page.screenshot({ path: join(artifacts, 'index.png'), fullPage: true });
    await page.close();

    for (const readme of readmes) {
      const rendered = await open(readme.page);
      const title = /^# (.+)$/m.exec(readFileSync(join(root, readme.path), 'utf8'))![1]!;
      await rendered
        .getByRole('heading', { level: 1 })
        .filter({ hasText: startingWith(title) })
        .waitFor();
      await rendered.close();
    }
    expect(errors.splice(0)).toEqual([]);
    expect(outside.splice(0)).toEqual([]);
  }, 120_000);
});
