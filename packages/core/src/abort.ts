// One abort listener per caller signal, however many calls, attempts and waits share it. A listener each
// would pass EventTarget's limit of 10 (MaxListenersExceededWarning), and `AbortSignal.any` keeps its
// dependants for as long as a long-lived signal lives. An entry goes when its last callback does, so a
// signal keeps nothing of a finished call.

interface Entry {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const registry = new WeakMap<AbortSignal, Entry>();

/**
 * Calls `callback` once when `signal` aborts (the caller checks `signal.aborted` first). The returned
 * function unregisters it; call it when the work ends. Each registration needs its own callback.
 */
export function whenAborted(signal: AbortSignal, callback: () => void): () => void {
  let entry = registry.get(signal);
  if (!entry) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      // A copy: callbacks unregister as they run, and nothing registered from now on belongs to this entry.
      const pending = [...callbacks];
      callbacks.clear();
      registry.delete(signal);
      for (const pendingCallback of pending) pendingCallback();
    };
    entry = { callbacks, listener };
    registry.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { callbacks, listener } = entry;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0) return;
    signal.removeEventListener('abort', listener);
    registry.delete(signal);
  };
}

/**
 * A promise that rejects with `signal`'s reason once it aborts (at once if it has), to race work against,
 * and the function that stops listening once the race is over.
 */
export function abortRejection(signal: AbortSignal): { promise: Promise<never>; release: () => void } {
  let release = () => {};
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else release = whenAborted(signal, () => reject(signal.reason));
  });
  return { promise, release };
}
