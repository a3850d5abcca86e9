// PayOp's own published examples (test/fixtures/payop-api-doc.ts) against specs/payop.yaml, with the
// validator the sandbox uses: a documented body the spec would refuse is a spec bug.
import { describe, expect, it } from 'vitest';
import { specCheck } from '../../../test/support/spec-check.js';
import { payopOpenApi } from '../src/generated/payop.openapi.gen.js';
import { docRequests, docResponses } from './fixtures/payop-api-doc.js';

const check = specCheck(payopOpenApi);

describe("PayOp's published examples validate against specs/payop.yaml", () => {
  it.each(docResponses.map((example) => [example.name, example] as const))(
    'response: %s',
    (_name, example) => {
      expect(check.response(example.operationId, example)).toEqual([]);
    },
  );

  it.each(docRequests.map((example) => [example.name, example] as const))('request: %s', (_name, example) => {
    expect(check.request(example.operationId, example)).toEqual([]);
  });

  it('declares the generic 404 on both operations, with its documented body as an example', () => {
    for (const operation of [
      payopOpenApi.paths['/v1/refunds/create'].post,
      payopOpenApi.paths['/v1/refunds/user-refunds'].get,
    ]) {
      const notFound = (operation.responses as Record<string, unknown>)['404'];
      expect(notFound).toEqual({ $ref: '#/components/responses/NotFound' });
    }
    expect(payopOpenApi.components.responses.NotFound.content['application/json'].examples).toEqual({
      invoiceNotFound: expect.objectContaining({ value: { message: 'Invoice not found' } }),
    });
  });

  it('still refuses a refund object without what every example has', () => {
    const [refund] = (
      docResponses.find((example) => example.name === 'refund.md get refunds list')!.body as {
        data: Record<string, unknown>[];
      }
    ).data;
    for (const field of ['identifier', 'status', 'amount', 'currency', 'sourceTransaction']) {
      const { [field]: _left, ...rest } = refund!;
      expect(check.response('listRefunds', { status: 200, body: { data: [rest], status: 1 } })).toEqual([
        `response 200 body/data/0 must have required property '${field}'`,
      ]);
    }
  });
});
