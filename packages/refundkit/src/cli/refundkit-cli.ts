#!/usr/bin/env node
import { parseArgs } from 'node:util';

const usage = `Usage:
  refundkit sandbox [--port 4010] [--host 127.0.0.1] [--seed N]
      Serve offline sandboxes of Commerce Layer, PayOp, Smartpay and Geins on one port.
  refundkit demo
      Walk through all four providers on in-process sandboxes via the facade.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'sandbox') {
    const { values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string', default: '4010' },
        host: { type: 'string' },
        seed: { type: 'string' },
      },
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      console.error(`refundkit sandbox: --port must be 0–65535 (got ${values.port})`);
      return 2;
    }
    const { startSandboxServer, exampleCurl } = await import('./sandbox-server.js');
    const server = await startSandboxServer({
      port,
      ...(values.host ? { host: values.host } : {}),
      ...(values.seed ? { seed: Number(values.seed) } : {}),
    });
    console.log(`refundkit sandboxes on ${server.origin} (Ctrl-C to stop)\n`);
    for (const [name, provider] of Object.entries(server.providers)) {
      console.log(`${name}\n  base URL     ${provider.baseUrl}\n  control API  ${provider.controlUrl}`);
      for (const [key, value] of Object.entries(provider.credentials))
        console.log(`  ${key.padEnd(12)} ${value}`);
    }
    console.log(
      `\nTry it — refund ¥1500 of Smartpay payment ${server.examplePayment}:\n\n${exampleCurl(server)}\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    console.log('refundkit sandbox stopped.');
    return 0;
  }
  if (command === 'demo') {
    const { runDemo, formatDemo } = await import('../demo/demo.js');
    console.log(formatDemo(await runDemo()));
    return 0;
  }
  console.log(usage);
  return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}

process.exitCode = await main(process.argv.slice(2));
