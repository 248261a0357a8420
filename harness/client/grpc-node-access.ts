/**
 * NodeAccess over the reference node's gRPC API (reference-node/proto):
 * values are JSON text in the value bytes; errors are classified by the
 * node's registry code or, for transport failures, by what the transport
 * proves (a connection refused before sending is definite, anything after
 * sending is not).
 */
import { classifyError, createAdminClient, createKvClient } from '../../reference-node/proto/index.js';
import type { AdminClient } from '../../reference-node/proto/index.js';
import type { JsonValue } from '../history/op.js';
import type { CallFailure, KvConnection, NodeAccess, NodeStatusSummary } from './kv-connection.js';

/** Encodes a register value as bytes. */
export function encodeValue(value: JsonValue): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Decodes value bytes written by `encodeValue` (other bytes come back as a string). */
export function decodeValue(bytes: Uint8Array): JsonValue {
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

function classify(error: unknown): CallFailure {
  const classification = classifyError(error);
  return { definite: classification.definite, name: classification.spec.name, message: classification.message };
}

function grpcConnection(node: string, address: string): KvConnection {
  const client = createKvClient(address);
  const key = (k: string): Buffer => Buffer.from(k, 'utf8');
  return {
    node,
    async read(k, timeoutMs) {
      const response = await client.get({ key: key(k), noForward: false }, { timeoutMs });
      return response.found ? decodeValue(response.value) : null;
    },
    async write(k, value, timeoutMs) {
      const response = await client.put(
        { key: key(k), value: encodeValue(value), ttlMs: 0, noForward: false },
        { timeoutMs },
      );
      return { appliedIndex: Number(response.appliedIndex) };
    },
    async readLocal(k, timeoutMs) {
      const response = await client.get({ key: key(k), noForward: true, local: true }, { timeoutMs });
      return { value: response.found ? decodeValue(response.value) : null, appliedIndex: Number(response.readIndex) };
    },
    async cas(k, expected, next, timeoutMs) {
      const response = await client.compareAndSet(
        {
          key: key(k),
          expectAbsent: expected === null,
          expected: expected === null ? Buffer.alloc(0) : encodeValue(expected),
          newValue: encodeValue(next),
          noForward: false,
        },
        { timeoutMs },
      );
      return { succeeded: response.succeeded, appliedIndex: Number(response.appliedIndex) };
    },
    classify,
    close: () => client.close(),
  };
}

/** NodeAccess for reference nodes reachable over gRPC. */
export function createGrpcNodeAccess(): NodeAccess {
  const admins = new Map<string, AdminClient>();
  const admin = (address: string): AdminClient => {
    let client = admins.get(address);
    if (client === undefined) {
      client = createAdminClient(address);
      admins.set(address, client);
    }
    return client;
  };
  return {
    connect: grpcConnection,
    async status(node, address, timeoutMs): Promise<NodeStatusSummary> {
      const status = await admin(address).status({}, { timeoutMs });
      return {
        id: status.id === '' ? node : status.id,
        role: status.role,
        term: Number(status.term),
        leader: status.leader,
        halted: status.halted,
        version: status.version,
        stage: status.stage,
        bugs: [...(status.bugs ?? [])],
      };
    },
    close() {
      for (const client of admins.values()) client.close();
      admins.clear();
    },
  };
}
