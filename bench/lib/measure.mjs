// Timing primitives: N sequential calls, and N calls with `concurrency` in flight. Both return wall time
// and client CPU (process.cpuUsage, user + system) per call in microseconds.

const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

export async function sequential(call, n) {
  const cpu = cpuNow();
  const started = performance.now();
  for (let i = 0; i < n; i += 1) await call();
  const wallUs = ((performance.now() - started) * 1000) / n;
  return { wallUs, cpuUs: (cpuNow() - cpu) / n };
}

export async function concurrent(call, n, concurrency) {
  let issued = 0;
  const worker = async () => {
    while (issued < n) {
      issued += 1;
      await call();
    }
  };
  const cpu = cpuNow();
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  const wallUs = ((performance.now() - started) * 1000) / n;
  return { wallUs, cpuUs: (cpuNow() - cpu) / n };
}

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A deterministic shuffle (mulberry32), so the order of targets varies per round but reruns match. */
export function shuffled(items, seed) {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const result = [...items];
  for (let i = result.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j], result[i]];
  }
  return result;
}
