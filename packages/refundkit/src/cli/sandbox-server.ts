import { createCommercelayerSandbox } from '@refundkit/commercelayer/testing';
import type { SandboxOptions } from '@refundkit/core/testing';
import { serveSandboxes } from '@refundkit/core/testing';
import { createGeinsSandbox } from '@refundkit/geins/testing';
import { createPayopSandbox } from '@refundkit/payop/testing';
import { createSmartpaySandbox } from '@refundkit/smartpay/testing';

export interface SandboxServer {
  origin: string;
  /** Per provider: the base URL to give its client, and the credentials the sandbox accepts. */
  providers: Record<string, { baseUrl: string; controlUrl: string; credentials: Record<string, string> }>;
  /** A payment seeded on the Smartpay sandbox, for the example curl. */
  examplePayment: string;
  close(): Promise<void>;
}

/** Serves all four sandboxes on one port under /commercelayer, /payop, /smartpay and /geins. */
export async function startSandboxServer(
  options: SandboxOptions & { port?: number; host?: string } = {},
): Promise<SandboxServer> {
  const { port, host, ...sandboxOptions } = options;
  const sandboxes = {
    commercelayer: createCommercelayerSandbox(sandboxOptions),
    payop: createPayopSandbox(sandboxOptions),
    smartpay: createSmartpaySandbox(sandboxOptions),
    geins: createGeinsSandbox(sandboxOptions),
  };
  const served = await serveSandboxes(
    Object.fromEntries(Object.entries(sandboxes).map(([name, sandbox]) => [`/${name}`, sandbox.runtime])),
    { ...(port === undefined ? {} : { port }), ...(host === undefined ? {} : { host }) },
  );
  const providers = Object.fromEntries(
    Object.entries(sandboxes).map(([name, sandbox]) => [
      name,
      {
        baseUrl: `${served.origin}/${name}${sandbox.runtime.basePath}`,
        controlUrl: `${served.origin}/${name}/_sandbox`,
        credentials: { ...sandbox.credentials },
      },
    ]),
  );
  const examplePayment = sandboxes.smartpay.createPayment({ amount: 5000, currency: 'JPY' });
  return { origin: served.origin, providers, examplePayment, close: served.close };
}

/** The README's example: refund ¥1500 of the seeded Smartpay payment. */
export function exampleCurl(server: SandboxServer): string {
  const smartpay = server.providers.smartpay!;
  return [
    `curl -s -X POST ${smartpay.baseUrl}/v1/refunds`,
    `  -H 'Authorization: Basic ${smartpay.credentials.secretKey}'`,
    `  -H 'Content-Type: application/json'`,
    `  -d '{"payment":"${server.examplePayment}","amount":1500,"currency":"JPY","reason":"requested_by_customer"}'`,
  ].join(' \\\n');
}

/** The control API at work: Smartpay's next create answers 503 (the facade would retry it, same key). */
export function exampleControlCurl(server: SandboxServer): string {
  return [
    `curl -s -X POST ${server.providers.smartpay!.controlUrl}/faults`,
    `  -H 'Content-Type: application/json'`,
    `  -d '{"kind":"http-503","times":1,"match":{"operationId":"createRefund"}}'`,
  ].join(' \\\n');
}
