/**
 * A deliberately broken stand-in for ekv-node, for the harness's own tests:
 * it speaks the node's KV and RaftAdmin gRPC API and accepts the same
 * harness-set flags, but each process keeps its own in-memory map and
 * replicates nothing. Reads through one node miss writes made through
 * another, and a kill forgets everything — stale reads the checker must
 * catch. Run: `node dist/harness/testing/unreplicated-node-main.js --id n1 --listen H:P --peers …`.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { serviceDefinition } from '../../reference-node/proto/index.js';

type Handler = (call: ServerUnaryCall<Record<string, unknown>, unknown>, callback: sendUnaryData<unknown>) => void;

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function keyOf(call: ServerUnaryCall<Record<string, unknown>, unknown>): string {
  return Buffer.from(call.request['key'] as Uint8Array).toString('utf8');
}

function kvService(store: Map<string, Buffer>): UntypedServiceImplementation {
  let index = 0;
  const get: Handler = (call, callback) => {
    const value = store.get(keyOf(call));
    callback(null, { found: value !== undefined, value: value ?? Buffer.alloc(0), readIndex: index });
  };
  const put: Handler = (call, callback) => {
    store.set(keyOf(call), Buffer.from(call.request['value'] as Uint8Array));
    callback(null, { appliedIndex: (index += 1) });
  };
  const remove: Handler = (call, callback) => {
    const existed = store.delete(keyOf(call));
    callback(null, { appliedIndex: (index += 1), existed });
  };
  const compareAndSet: Handler = (call, callback) => {
    const key = keyOf(call);
    const current = store.get(key);
    const expected = Buffer.from(call.request['expected'] as Uint8Array);
    const matches =
      call.request['expectAbsent'] === true ? current === undefined : current !== undefined && current.equals(expected);
    if (matches) store.set(key, Buffer.from(call.request['newValue'] as Uint8Array));
    callback(null, {
      succeeded: matches,
      currentFound: current !== undefined,
      current: current ?? Buffer.alloc(0),
      appliedIndex: (index += 1),
    });
  };
  return { Get: get, Put: put, Delete: remove, CompareAndSet: compareAndSet };
}

function adminService(id: string, leader: string, listen: string): UntypedServiceImplementation {
  const status: Handler = (_call, callback) => {
    callback(null, {
      id,
      role: id === leader ? 'leader' : 'follower',
      term: 1,
      leader,
      listenAddress: listen,
      stage: '6F',
      version: 'unreplicated-test-double',
    });
  };
  return { Status: status };
}

/** Starts the broken node; resolves with an exit code when it is told to stop. */
export async function main(argv: readonly string[]): Promise<number> {
  const id = flag(argv, '--id');
  const listen = flag(argv, '--listen');
  if (id === undefined || listen === undefined) {
    process.stderr.write('unreplicated-node: --id and --listen are required\n');
    return 2;
  }
  // The first initial voter plays the leader, so the harness sees a stable cluster.
  const leader = (flag(argv, '--peers') ?? `${id}=`).split(',')[0]?.split('=')[0] ?? id;
  const server = new Server();
  server.addService(serviceDefinition('KV'), kvService(new Map()));
  server.addService(serviceDefinition('RaftAdmin'), adminService(id, leader, listen));
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(listen, ServerCredentials.createInsecure(), (error) =>
      error === null ? resolve() : reject(error),
    ),
  );
  process.stdout.write(`READY id=${id} listen=${listen}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  server.forceShutdown();
  return 0;
}
