// Starts the loopback server in a child process and talks to it over IPC.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../server/loopback-server.mjs', import.meta.url));

export async function startServer({ limitMs = 10 * 60_000 } = {}) {
  const child = fork(script, [], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_SERVER_LIMIT_MS: String(limitMs) },
  });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('loopback server did not start within 10 s')), 10_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`loopback server exited early (${code})`)));
    child.on('message', (message) => {
      if (message?.type === 'listening') {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
  });
  child.removeAllListeners('exit');
  let nextId = 0;
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    /** Base URL of a provider's API on the loopback server. */
    baseUrl: (provider) => `${origin}/${provider}`,
    /** Requests served so far, by `METHOD /provider/path-template`. */
    stats() {
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('loopback server did not answer stats')), 5_000);
        const onMessage = (message) => {
          if (message?.type === 'stats' && message.id === id) {
            clearTimeout(timer);
            child.off('message', onMessage);
            resolve(message.counts);
          }
        };
        child.on('message', onMessage);
        child.send({ type: 'stats', id });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill(), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
