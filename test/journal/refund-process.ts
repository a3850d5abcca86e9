// One application instance, as a child process of multi-process.test.ts: a `createRefunds` with a
// PostgreSQL journal (the database named by REFUNDKIT_TEST_POSTGRES_URL), against the sandboxes the test
// serves on 127.0.0.1. It runs the creates of its job concurrently, or `recover()`, and prints one JSON line
// per result; `{"sending":…}` lines tell the test where it is, so that it can kill it mid-create.
import { postgresJournal } from '@refundkit/journal';
import { commercelayer, createRefunds, payop, type Refund } from 'refundkit';

export interface ChildJob {
  mode: 'create' | 'recover';
  /** The journal's Postgres schema: one per test. */
  schema: string;
  payop: { baseUrl: string; token: string };
  commercelayer: { baseUrl: string; organization: string; accessToken: string };
  creates: {
    provider: 'payop' | 'commercelayer';
    payment: string;
    amount: number;
    currency: string;
    key: string;
    reference: string;
  }[];
  timeoutMs: number;
  /** The payment leases' lifetime; a killed child's lease outlives it by this much. Default the facade's. */
  leaseMs?: number;
  /** Commerce Layer's `soleWriter`: this test's processes are the capture's only writers. */
  soleWriter?: boolean;
}

/** What `recover()` reported, each intent by its account (provider name) and key, as the journal names it. */
export interface RecoverReport {
  made: { account: string; key: string; refund: Refund }[];
  notMade: { account: string; key: string }[];
  inDoubt: { account: string; key: string }[];
  busy: { account: string; key: string }[];
  unreached: { account: string; key: string }[];
}

export type ChildLine =
  | { sending: string }
  | { key: string; id: string; reference: string | undefined }
  | { key: string; error: string; message: string }
  | { report: RecoverReport };

const print = (line: ChildLine) => process.stdout.write(`${JSON.stringify(line)}\n`);
const job = JSON.parse(process.argv[2]!) as ChildJob;
// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by multi-process.test.ts for its children, no build reads it
const connectionString = process.env.REFUNDKIT_TEST_POSTGRES_URL;
if (!connectionString) throw new Error('REFUNDKIT_TEST_POSTGRES_URL is not set');

const journal = postgresJournal({ connectionString, schema: job.schema, maxConnections: 4 });
const providers = {
  payop: payop(job.payop),
  commercelayer: commercelayer({ ...job.commercelayer, soleWriter: job.soleWriter ?? false }),
};
const refunds = createRefunds({
  providers,
  journal,
  timeoutMs: job.timeoutMs,
  ...(job.leaseMs === undefined ? {} : { leaseMs: job.leaseMs }),
  retryDelayMs: 20,
  maxRetryDelayMs: 100,
});
const named = (intent: { provider: string; idempotencyKey: string }) => ({
  account: intent.provider,
  key: intent.idempotencyKey,
});

try {
  if (job.mode === 'recover') {
    const report = await refunds.recover();
    print({
      report: {
        made: report.made.map((intent) => ({ ...named(intent), refund: intent.refund })),
        notMade: report.notMade.map(named),
        inDoubt: report.inDoubt.map(named),
        busy: report.busy.map(named),
        unreached: report.unreached.map(named),
      },
    });
  } else {
    await Promise.all(
      job.creates.map(async (create) => {
        print({ sending: create.key });
        try {
          const refund = await refunds.create(
            {
              provider: create.provider,
              payment: create.payment,
              amount: { value: create.amount, currency: create.currency },
              reference: create.reference,
            },
            { idempotencyKey: create.key },
          );
          print({ key: create.key, id: refund.id, reference: refund.reference });
        } catch (error) {
          const { code, message } = error as { code?: string; message: string };
          print({ key: create.key, error: code ?? 'thrown', message });
        }
      }),
    );
  }
} finally {
  await journal.close();
}
