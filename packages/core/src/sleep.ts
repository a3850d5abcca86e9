import { whenAborted } from './abort.js';

/**
 * Waits `ms` milliseconds; rejects with the signal's reason if it aborts first. Its timer keeps the process
 * alive until the wait ends; it leaves no timer and no listener behind, and waits sharing one signal add
 * one listener to it in all.
 */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let stopListening: (() => void) | undefined;
    const timer = setTimeout(() => {
      stopListening?.();
      resolve();
    }, ms);
    if (signal) {
      stopListening = whenAborted(signal, () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    }
  });
}
