/**
 * ForwardStreamClient on a scripted call: requests share one stream and are
 * matched to answers by id, and every failure ends as the unary call's would
 * (the registry error passed through, a timeout or a cancel indefinite, a
 * stream that never connected definite, a leader without the method served
 * by unary calls instead).
 */
import { EventEmitter } from 'node:events';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  classifyError,
  errorMetadata,
  NodeErrors,
  type ForwardError,
  type ForwardRequest,
  type ForwardResponse,
  type KvClient,
} from '../proto/index.js';
import { ForwardStreamClient, type ForwardCall } from './forward-stream.js';
import { systemClock } from './node-clock.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

class FakeCall extends EventEmitter implements ForwardCall {
  readonly written: ForwardRequest[] = [];
  cancelled = false;
  write(request: ForwardRequest): boolean {
    this.written.push(request);
    return true;
  }
  cancel(): void {
    this.cancelled = true;
  }
  answer(response: ForwardResponse): void {
    this.emit('data', response);
  }
}

interface Rig {
  readonly client: ForwardStreamClient;
  readonly calls: FakeCall[];
  readonly unaryPuts: unknown[];
  readonly closed: string[];
}

function rig(): Rig {
  const calls: FakeCall[] = [];
  const unaryPuts: unknown[] = [];
  const closed: string[] = [];
  const unary = {
    address: 'leader:1',
    get: () => Promise.reject(new Error('unary get not expected')),
    put: (request: unknown) => {
      unaryPuts.push(request);
      return Promise.resolve({ appliedIndex: 99 });
    },
    delete: () => Promise.reject(new Error('unary delete not expected')),
    compareAndSet: () => Promise.reject(new Error('unary compareAndSet not expected')),
    close: () => {
      closed.push('unary');
    },
  } satisfies KvClient;
  const client = new ForwardStreamClient('leader:1', {
    open: () => {
      const call = new FakeCall();
      calls.push(call);
      return call;
    },
    unary,
    close: () => {
      closed.push('stream channel');
    },
    clock: systemClock,
  });
  return { client, calls, unaryPuts, closed };
}

/** Lets the client's promise callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function registryError(
  name: keyof typeof NodeErrors,
  details: string,
  leader?: { leaderId: string; leaderAddress: string },
): ForwardError {
  const spec = NodeErrors[name];
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(errorMetadata(spec, leader).getMap())) metadata[key] = String(value);
  return { code: spec.grpcStatus, details: `${name}: ${details}`, metadata };
}

function grpcError(code: GrpcStatus, details: string, metadata = new Metadata()): Error {
  return Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${details}`), { code, details, metadata });
}

describe('ForwardStreamClient', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends every request on one stream with its own id and the time left, and matches answers by id in any order', async () => {
    const { client, calls } = rig();
    const put = client.put({ key: utf8('a'), value: utf8('1'), noForward: true }, { timeoutMs: 3_000 });
    const get = client.get({ key: utf8('a'), noForward: true }, { timeoutMs: 2_000 });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    const [putRequest, getRequest] = call!.written;
    expect(putRequest).toMatchObject({ request: 'put', timeoutMs: 3_000, put: { key: utf8('a'), noForward: true } });
    expect(getRequest).toMatchObject({ request: 'get', timeoutMs: 2_000 });
    expect(putRequest!.id).not.toBe(getRequest!.id);

    call!.answer({ id: getRequest!.id, response: 'get', get: { found: true, value: utf8('1'), readIndex: 7 } });
    call!.answer({ id: putRequest!.id, response: 'put', put: { appliedIndex: 6 } });
    await expect(get).resolves.toEqual({ found: true, value: utf8('1'), readIndex: 7 });
    await expect(put).resolves.toEqual({ appliedIndex: 6 });
    expect(client.inFlight).toBe(0);
    expect(client.stats).toMatchObject({ opened: 1, answered: 2, failed: 0 });
  });

  it("passes the leader's registry error through with its leader hint, as the unary call would", async () => {
    const { client, calls } = rig();
    const put = client.put({ key: utf8('a'), value: utf8('1') });
    const request = calls[0]!.written[0]!;
    calls[0]!.answer({
      id: request.id,
      response: 'error',
      error: registryError('NotLeader', 'n2 is not the leader', { leaderId: 'n3', leaderAddress: '127.0.0.1:3' }),
    });
    const error = await put.catch((e: unknown) => e);
    const classification = classifyError(error);
    expect(classification.spec.name).toBe('NotLeader');
    expect(classification.definite).toBe(true);
    expect(classification.leaderHint).toEqual({ leaderId: 'n3', leaderAddress: '127.0.0.1:3' });
    expect(classification.message).toMatch(/n2 is not the leader/);
  });

  it('an answer of the wrong kind is Internal (indefinite)', async () => {
    const { client, calls } = rig();
    const put = client.put({ key: utf8('a'), value: utf8('1') });
    calls[0]!.answer({ id: calls[0]!.written[0]!.id, response: 'delete', delete: { appliedIndex: 1, existed: false } });
    const classification = classifyError(await put.catch((e: unknown) => e));
    expect(classification.definite).toBe(false);
    expect(classification.message).toMatch(/answered a put with delete/);
  });

  it('a request without an answer in time fails DeadlineExceeded (indefinite); the stream and the other requests go on', async () => {
    vi.useFakeTimers();
    const { client, calls } = rig();
    const slow = client.put({ key: utf8('slow'), value: utf8('1') }, { timeoutMs: 100 });
    const other = client.put({ key: utf8('other'), value: utf8('2') }, { timeoutMs: 10_000 });
    const slowFailed = slow.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(101);
    const classification = classifyError(await slowFailed);
    expect(classification.spec.name).toBe('DeadlineExceeded');
    expect(classification.definite).toBe(false);

    const [slowRequest, otherRequest] = calls[0]!.written;
    // A late answer to the timed-out request is dropped.
    calls[0]!.answer({ id: slowRequest!.id, response: 'put', put: { appliedIndex: 1 } });
    calls[0]!.answer({ id: otherRequest!.id, response: 'put', put: { appliedIndex: 2 } });
    await expect(other).resolves.toEqual({ appliedIndex: 2 });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.cancelled).toBe(false);
  });

  it('an aborted signal fails the request Cancelled (indefinite) at once', async () => {
    const { client } = rig();
    const abort = new AbortController();
    const put = client.put({ key: utf8('a'), value: utf8('1') }, { signal: abort.signal });
    abort.abort();
    const classification = classifyError(await put.catch((e: unknown) => e));
    expect(classification.spec.name).toBe('Cancelled');
    expect(classification.definite).toBe(false);
    expect(client.inFlight).toBe(0);
  });

  it('a stream that never connected fails its requests as never sent; the next request opens a new stream', async () => {
    const { client, calls } = rig();
    const first = client.put({ key: utf8('a'), value: utf8('1') });
    const second = client.get({ key: utf8('a') });
    calls[0]!.emit(
      'error',
      grpcError(GrpcStatus.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1'),
    );
    for (const outcome of [first, second]) {
      const classification = classifyError(await outcome.catch((e: unknown) => e));
      expect(classification.spec.name).toBe('ConnectionRefused');
      expect(classification.definite).toBe(true);
    }
    expect(calls[0]!.cancelled).toBe(true);

    const third = client.put({ key: utf8('b'), value: utf8('2') });
    expect(calls).toHaveLength(2);
    calls[1]!.answer({ id: calls[1]!.written[0]!.id, response: 'put', put: { appliedIndex: 3 } });
    await expect(third).resolves.toEqual({ appliedIndex: 3 });
    // Events of the failed stream no longer reach anyone.
    calls[0]!.emit('end');
    expect(client.stats.failed).toBe(1);
  });

  it('a stream the leader ends or breaks fails its requests indefinite (they may have been applied)', async () => {
    const { client, calls } = rig();
    const ended = client.put({ key: utf8('a'), value: utf8('1') });
    calls[0]!.emit('end');
    const endedClass = classifyError(await ended.catch((e: unknown) => e));
    expect(endedClass.spec.name).toBe('ConnectionLost');
    expect(endedClass.definite).toBe(false);

    const broken = client.put({ key: utf8('b'), value: utf8('2') });
    calls[1]!.emit('error', grpcError(GrpcStatus.UNAVAILABLE, 'Connection dropped'));
    expect(classifyError(await broken.catch((e: unknown) => e)).definite).toBe(false);
  });

  it('a leader without the Forward method gets the waiting requests and every later one as unary calls', async () => {
    const { client, calls, unaryPuts } = rig();
    const waiting = client.put({ key: utf8('a'), value: utf8('1') });
    calls[0]!.emit(
      'error',
      grpcError(GrpcStatus.UNIMPLEMENTED, 'The server does not implement the method /ekv.v1.KV/Forward'),
    );
    await expect(waiting).resolves.toEqual({ appliedIndex: 99 });
    await expect(client.put({ key: utf8('b'), value: utf8('2') })).resolves.toEqual({ appliedIndex: 99 });
    expect(unaryPuts).toHaveLength(2);
    expect(calls).toHaveLength(1);
    expect(client.stats.unary).toBe(1);
  });

  it('a registry refusal carried as UNIMPLEMENTED (NotImplementedAtStage) is an answer, not a missing method', async () => {
    const { client, calls, unaryPuts } = rig();
    const put = client.put({ key: utf8('a'), value: utf8('1') });
    const spec = NodeErrors.NotImplementedAtStage;
    calls[0]!.emit(
      'error',
      grpcError(GrpcStatus.UNIMPLEMENTED, 'NotImplementedAtStage: not at stage 6A', errorMetadata(spec, undefined)),
    );
    expect(classifyError(await put.catch((e: unknown) => e)).spec.name).toBe('NotImplementedAtStage');
    expect(unaryPuts).toHaveLength(0);
  });

  it('close fails what is in flight as Cancelled, refuses later requests and closes both channels', async () => {
    const { client, calls, closed } = rig();
    const put = client.put({ key: utf8('a'), value: utf8('1') });
    client.close();
    expect(classifyError(await put.catch((e: unknown) => e)).spec.name).toBe('Cancelled');
    expect(calls[0]!.cancelled).toBe(true);
    expect(closed.sort()).toEqual(['stream channel', 'unary']);
    expect(classifyError(await client.get({ key: utf8('a') }).catch((e: unknown) => e)).spec.name).toBe('Cancelled');
    await settle();
  });
});
