/** Thrown by a target's setup when it cannot run here; the harness prints the reason and goes on. */
export class Skip extends Error {
  name = 'Skip';
}

/** Imports a module, or skips the target with the reason when it cannot be loaded. */
export async function load(specifier) {
  try {
    return await import(specifier);
  } catch (error) {
    throw new Skip(`cannot import ${specifier}: ${error.message.split('\n')[0]}`);
  }
}

/** Throws unless a response status is 2xx: every target checks its answer as real code would. */
export function expectOk(status, what) {
  if (status < 200 || status > 299) throw new Error(`${what} answered ${status}`);
}
