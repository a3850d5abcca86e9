// `pnpm demo` and `pnpm sandbox`: build the facade and the packages it needs, then run its CLI with the
// same arguments. turbo runs with its telemetry off (or its first run on a machine prints the telemetry
// notice) and its output is shown only when the build fails.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const turboBin = createRequire(import.meta.url).resolve('turbo');
const args = ['run', 'build', '--filter=refundkit...', '--output-logs=errors-only'];
const turbo = spawn(process.execPath, [turboBin, ...args], {
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const output = [];
turbo.stdout.on('data', (chunk) => output.push(chunk));
turbo.stderr.on('data', (chunk) => output.push(chunk));
// A cached build takes a second or two; a real one (the first) takes a minute, which deserves a word.
const notice = setTimeout(() => console.error('Building the packages…'), 3000);
const status = await new Promise((resolve) => turbo.on('close', resolve));
clearTimeout(notice);
if (status !== 0) {
  process.stderr.write(Buffer.concat(output));
  process.exit(status ?? 1);
}
await import('../packages/refundkit/bin/refundkit.js');
