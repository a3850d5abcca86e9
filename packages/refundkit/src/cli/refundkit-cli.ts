#!/usr/bin/env node
// The `refundkit` CLI. Exit codes: 0 done (Ctrl-C included: it is how a sandbox is stopped), 1 a failure
// at run time (a port in use), 2 a usage error. Help and the version go to stdout; errors to stderr, as
// one line and a hint. Output whose reader has gone (`refundkit sandbox | head`) is dropped, not fatal.
import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';

const usage = `Usage: refundkit <command> [options]

Commands:
  sandbox   Serve offline sandboxes of Commerce Layer, PayOp, Smartpay and Geins on one port.
  demo      Walk through all four providers on in-process sandboxes via the facade.

Options:
  -h, --help     Show this help; refundkit <command> --help shows a command's.
  -v, --version  Show the version.

Exit codes: 0 done, 1 failed, 2 usage error.`;

const commands = {
  sandbox: {
    help: `Usage: refundkit sandbox [--port 4010] [--host 127.0.0.1] [--seed N]

Serve offline sandboxes of Commerce Layer, PayOp, Smartpay and Geins on one port, under /commercelayer,
/payop, /smartpay and /geins, until Ctrl-C.

Options:
  --port N    Port to listen on, 0 to 65535 (0: any free port). Default 4010.
  --host H    Address to listen on. Default 127.0.0.1.
  --seed N    Seed for generated ids, 0 to 4294967295. Default: random.
  -h, --help  Show this help.`,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  },
  demo: {
    help: `Usage: refundkit demo

Walk through all four providers on in-process sandboxes via the facade: partial and full refunds, an
over-refund refused, the Geins approval flow, and a lost response reconciled. No network.

Options:
  -h, --help  Show this help.`,
    options: { help: { type: 'boolean', short: 'h' } },
  },
} satisfies Record<string, { help: string; options: ParseArgsConfig['options'] }>;
type Command = keyof typeof commands;

/** A mistake in the command line: exit 2, with a hint at the help. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

// A reader that went away (EPIPE) takes nothing more; the command itself goes on.
const gone = new Set<NodeJS.WriteStream>();
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    gone.add(stream);
  });
}
const write = (stream: NodeJS.WriteStream, text: string) => {
  if (!gone.has(stream)) stream.write(`${text}\n`);
};
const print = (text: string) => write(process.stdout, text);

/** A whole number from 0 to `max` written in decimal (not `''`, `0x10` or `1e3`, which `Number` takes). */
function wholeNumber(command: Command, option: string, value: string | undefined, max: number) {
  if (value === undefined) return undefined;
  const number = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(number <= max)) {
    throw new UsageError(
      `--${option} must be a whole number from 0 to ${max} (got ${JSON.stringify(value)})`,
      `run "refundkit ${command} --help" for usage`,
    );
  }
  return number;
}

function parse(command: Command, args: string[]) {
  try {
    return parseArgs({ args, options: commands[command].options, strict: true, allowPositionals: false })
      .values as Record<string, string | boolean | undefined>;
  } catch (error) {
    // parseArgs' own message: its first line says what is wrong, a last line may say what to do instead.
    const lines = (error as Error).message.split('\n');
    const fix = lines.length > 2 ? `${lines.at(-1)?.replace(/\.$/, '')}; ` : '';
    throw new UsageError(lines[0]!, `${fix}run "refundkit ${command} --help" for usage`);
  }
}

function readVersion(): string {
  // ../../package.json from src/cli and from dist/cli alike.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return pkg.version as string;
}

/** Why the sandbox could not listen, as a message and a hint. */
function listenFailure(error: NodeJS.ErrnoException, host: string, port: number): [string, string] {
  const where = `${host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return [
        `${where} is in use (EADDRINUSE)`,
        'choose another with --port N, or --port 0 for any free port',
      ];
    case 'EACCES':
      return [
        `no permission to listen on ${where} (EACCES)`,
        'ports below 1024 need privileges: use --port 4010',
      ];
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EADDRNOTAVAIL':
      return [
        `cannot listen on ${where}: no such address on this machine (${error.code})`,
        '--host takes an address of this machine, e.g. 127.0.0.1, ::1 or 0.0.0.0',
      ];
    default:
      return [`cannot listen on ${where}: ${error.message}`, 'check --host and --port'];
  }
}

async function sandbox(values: Record<string, string | boolean | undefined>): Promise<number> {
  const port = wholeNumber('sandbox', 'port', values.port as string | undefined, 65_535) ?? 4010;
  const seed = wholeNumber('sandbox', 'seed', values.seed as string | undefined, 2 ** 32 - 1);
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  if (host.trim() === '') {
    throw new UsageError('--host must be an address (got "")', 'run "refundkit sandbox --help" for usage');
  }
  const { startSandboxServer, exampleCurl, exampleControlCurl } = await import('./sandbox-server.js');
  let server: Awaited<ReturnType<typeof startSandboxServer>>;
  try {
    server = await startSandboxServer({ port, host, ...(seed === undefined ? {} : { seed }) });
  } catch (error) {
    const [message, hint] = listenFailure(error as NodeJS.ErrnoException, host, port);
    write(process.stderr, `refundkit sandbox: ${message}\nhint: ${hint}`);
    return 1;
  }
  // Listened to from before the banner (a Ctrl-C as soon as it shows must find them) until the process
  // ends: under `pnpm sandbox` the Ctrl-C comes twice (from the terminal and forwarded by pnpm), and
  // Node's default for the second would kill the process while it closes.
  const stopped = new Promise<void>((resolve) => {
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  print(`refundkit sandboxes on ${server.origin} (Ctrl-C to stop)\n`);
  for (const [name, provider] of Object.entries(server.providers)) {
    print(`${name}\n  base URL     ${provider.baseUrl}\n  control API  ${provider.controlUrl}`);
    for (const [key, value] of Object.entries(provider.credentials)) print(`  ${key.padEnd(12)} ${value}`);
  }
  print(`\nTry it — refund ¥1500 of Smartpay payment ${server.examplePayment}:\n\n${exampleCurl(server)}\n`);
  print(
    `Make Smartpay's next create answer 503, through its control API:\n\n${exampleControlCurl(server)}\n`,
  );
  await stopped;
  // Closing drops open connections, so it takes milliseconds; bounded all the same.
  setTimeout(() => {
    write(process.stderr, 'refundkit sandbox: did not stop within 5 s\nhint: a request may hang; exiting');
    process.exit(1);
  }, 5_000).unref();
  await server.close();
  print('refundkit sandbox stopped.');
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') {
    if (rest.length > 0)
      throw new UsageError(`${first} takes no arguments`, 'run "refundkit --help" for usage');
    print(readVersion());
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const [topic, ...extra] = rest;
    if (topic !== undefined && (!Object.hasOwn(commands, topic) || extra.length > 0)) {
      throw new UsageError(
        `unexpected argument ${JSON.stringify(topic)}`,
        'run "refundkit --help" for usage',
      );
    }
    print(topic === undefined ? usage : commands[topic as Command].help);
    return 0;
  }
  if (first === undefined) {
    write(process.stderr, usage);
    return 2;
  }
  if (!Object.hasOwn(commands, first)) {
    const hint = first.startsWith('-') ? 'options go after the command' : 'the commands are sandbox and demo';
    throw new UsageError(
      `unknown ${first.startsWith('-') ? 'option' : 'command'} ${JSON.stringify(first)}`,
      `${hint}: run "refundkit --help" for usage`,
    );
  }
  const command = first as Command;
  const values = parse(command, rest);
  if (values.help) {
    print(commands[command].help);
    return 0;
  }
  if (command === 'sandbox') return sandbox(values);
  const { runDemo, formatDemo } = await import('../demo/demo.js');
  print(formatDemo(await runDemo()));
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    const command = process.argv[2] && Object.hasOwn(commands, process.argv[2]) ? ` ${process.argv[2]}` : '';
    write(process.stderr, `refundkit${command}: ${error.message}\nhint: ${error.hint}`);
    process.exitCode = 2;
  } else {
    // A failure of refundkit itself: its message, without a stack (REFUNDKIT_DEBUG=1 shows it).
    const detail = process.env.REFUNDKIT_DEBUG ? (error as Error)?.stack : (error as Error)?.message;
    write(process.stderr, `refundkit: ${detail ?? String(error)}\nhint: REFUNDKIT_DEBUG=1 shows the stack`);
    process.exitCode = 1;
  }
}
