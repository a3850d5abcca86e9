import { describe, expectTypeOf, it } from 'vitest';
import type { operations as SmartpayOperations } from '../../smartpay/src/generated/smartpay.gen.js';
import type { OperationHandler, SandboxHandlers } from '../src/testing/index.js';

// The generated `operations` of a spec with two operations.
interface Operations {
  createRefund: unknown;
  retrieveRefund: unknown;
}
const handler: OperationHandler = () => ({ status: 200, body: {} });

describe('SandboxHandlers', () => {
  it('takes one handler per operation, and no other', () => {
    const all = { createRefund: handler, retrieveRefund: handler } satisfies SandboxHandlers<Operations>;
    expectTypeOf(all).toHaveProperty('retrieveRefund');
    // An operation removed from the spec, or renamed, while its handler stays:
    // @ts-expect-error 'getRefund' does not exist in SandboxHandlers<Operations>
    const renamed = { createRefund: handler, getRefund: handler } satisfies SandboxHandlers<Operations>;
    // An operation added to the spec without a handler:
    // @ts-expect-error property 'retrieveRefund' is missing
    const missing = { createRefund: handler } satisfies SandboxHandlers<Operations>;
    expectTypeOf([renamed, missing]).toBeArray();
  });

  it("is keyed by a provider's generated operations", () => {
    expectTypeOf<keyof SandboxHandlers<SmartpayOperations>>().toEqualTypeOf<keyof SmartpayOperations>();
    expectTypeOf<'createRefund'>().toExtend<keyof SmartpayOperations>();
  });
});
