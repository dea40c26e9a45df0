import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { isStatusCode, NodeStoppedError, RequestError, Status } from '../../src/common/errors.js';
import { toRequestError, toServiceError } from '../../src/server/errors.js';

describe('common status codes', () => {
  it('are gRPC\'s status numbers, name for name, and cover every one of them', () => {
    const grpcCodes = Object.entries(grpc.status).filter(([, v]) => typeof v === 'number');
    expect(Object.fromEntries(grpcCodes)).toEqual(Status);
  });

  it('a RequestError raised outside src/server reaches the client with its code and message', () => {
    const e = toServiceError(new RequestError(Status.FAILED_PRECONDITION, 'no preferred leader'));
    expect(e.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(e.details).toBe('no preferred leader');
  });

  it('a number outside the codes is not a status (a forwarded error with one is INTERNAL)', () => {
    expect(isStatusCode(17)).toBe(false);
    expect(isStatusCode(-1)).toBe(false);
    expect(isStatusCode(2.5)).toBe(false);
    expect(isStatusCode('3')).toBe(false);
    expect(isStatusCode(16)).toBe(true);
    expect(toRequestError(Object.assign(new Error('x'), { code: 99 })).code).toBe(grpc.status.INTERNAL);
  });

  it('a request that reaches a stopped node is UNAVAILABLE (try another member), not INTERNAL', () => {
    const e = toServiceError(new NodeStoppedError());
    expect(e.code).toBe(grpc.status.UNAVAILABLE);
    expect(e.details).toBe('node is stopped');
  });
});
