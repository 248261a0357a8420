/**
 * Error classification on real gRPC calls: registry errors travel in the
 * trailing metadata with the leader hint; a connection that was never
 * established is definite; a deadline or a connection lost after sending is
 * indefinite.
 */
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  allErrorSpecs,
  classifyError,
  createKvClient,
  NodeError,
  NodeErrors,
  RpcError,
  serviceDefinition,
  toGrpcError,
  TransportErrors,
  type GetRequest,
  type GetResponse,
} from '../proto/index.js';
import { freePort } from './test/process-cluster.js';

type Handler = (call: ServerUnaryCall<GetRequest, GetResponse>, callback: sendUnaryData<GetResponse>) => void;

let server: Server | undefined;
afterEach(() => {
  server?.forceShutdown();
  server = undefined;
});

async function serve(get: Handler): Promise<string> {
  server = new Server();
  const reject: Handler = (_call, callback) => callback({ code: GrpcStatus.UNIMPLEMENTED });
  server.addService(serviceDefinition('KV'), { Get: get, Put: reject, Delete: reject, CompareAndSet: reject });
  return new Promise((resolve, fail) => {
    server!.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
      error ? fail(error) : resolve(`127.0.0.1:${port}`),
    );
  });
}

async function failedGet(address: string, timeoutMs = 2_000): Promise<unknown> {
  const client = createKvClient(address);
  try {
    await client.get({ key: Uint8Array.of(1) }, { timeoutMs });
    throw new Error('the call unexpectedly succeeded');
  } catch (error) {
    return error;
  } finally {
    client.close();
  }
}

describe('classifyError', () => {
  it('reads the registry code and the leader hint from the trailing metadata', async () => {
    const address = await serve((_call, callback) => {
      callback(
        toGrpcError(new NodeError('NotLeader', 'not leader', { leaderId: 'n2', leaderAddress: '127.0.0.1:7002' })),
      );
    });
    const error = await failedGet(address);
    expect(error).toBeInstanceOf(RpcError);
    const classified = classifyError(error);
    expect(classified.spec).toBe(NodeErrors.NotLeader);
    expect(classified.definite).toBe(true);
    expect(classified.leaderHint).toEqual({ leaderId: 'n2', leaderAddress: '127.0.0.1:7002' });
    expect((error as RpcError).grpcCode).toBe(GrpcStatus.FAILED_PRECONDITION);
  });

  it('round-trips every registry error with its definiteness', async () => {
    let next = 0;
    const specs = allErrorSpecs();
    const address = await serve((_call, callback) => {
      const spec = specs[next++]!;
      callback(toGrpcError(new NodeError(spec.name as keyof typeof NodeErrors, spec.doc)));
    });
    for (const spec of specs) {
      const classified = classifyError(await failedGet(address));
      expect(classified.spec).toBe(spec);
      expect(classified.definite).toBe(spec.definite);
    }
  });

  it('maps a non-registry failure in a handler to Internal (indefinite)', async () => {
    const address = await serve((_call, callback) => callback(toGrpcError(new Error('boom'))));
    const classified = classifyError(await failedGet(address));
    expect(classified.spec).toBe(NodeErrors.Internal);
    expect(classified.definite).toBe(false);
  });

  it('treats an unknown registry code as indefinite', async () => {
    const address = await serve((_call, callback) => {
      const metadata = new Metadata();
      metadata.set('ekv-error-code', '9999');
      callback({ code: GrpcStatus.UNAVAILABLE, details: 'from the future', metadata });
    });
    const classified = classifyError(await failedGet(address));
    expect(classified.spec).toBe(TransportErrors.UnknownRegistryCode);
    expect(classified.definite).toBe(false);
  });

  it('classifies connection refused as definite', async () => {
    const classified = classifyError(await failedGet(`127.0.0.1:${await freePort()}`));
    expect(classified.spec).toBe(TransportErrors.ConnectionRefused);
    expect(classified.definite).toBe(true);
  });

  it('classifies a deadline as indefinite', async () => {
    const address = await serve(() => undefined);
    const classified = classifyError(await failedGet(address, 200));
    expect(classified.spec).toBe(TransportErrors.DeadlineExceeded);
    expect(classified.definite).toBe(false);
  });

  it('classifies a connection lost after the request was sent as indefinite', async () => {
    const address = await serve(() => {
      setTimeout(() => server?.forceShutdown(), 20);
    });
    const classified = classifyError(await failedGet(address));
    expect(classified.definite).toBe(false);
    expect([TransportErrors.ConnectionLost, TransportErrors.Cancelled, TransportErrors.UnknownFailure]).toContain(
      classified.spec,
    );
  });

  it('classifies garbage as an unknown, indefinite failure', () => {
    expect(classifyError('weird').spec).toBe(TransportErrors.UnknownFailure);
    expect(classifyError(null).definite).toBe(false);
  });
});
