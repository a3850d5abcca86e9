// One target alone in a fresh process: set it up, make the bench's calls, print its peak RSS as JSON.
//   node lib/memory-probe.mjs <target id> <loopback origin> <n> <concurrency>
import { concurrent, sequential } from './measure.mjs';

const [id, origin, n = '300', concurrency = '16'] = process.argv.slice(2);
setTimeout(() => process.exit(3), 25_000).unref();
const { targets } = await import('../targets/index.mjs');
const target = targets.find((t) => t.id === id);
if (!target) {
  console.error(`no target ${id}`);
  process.exit(1);
}
const call = await target.setup({ origin, baseUrl: (provider) => `${origin}/${provider}` });
await sequential(call, 50);
await sequential(call, Number(n));
await concurrent(call, Number(n), Number(concurrency));
console.log(JSON.stringify({ id, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
process.exit(0);
