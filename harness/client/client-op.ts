/**
 * Runs one planned client op on a connection and says how it ended, by
 * Jepsen's rule: `ok` when it happened, `fail` only when it surely did not
 * (a definite error, or a cas whose compare failed), `info` for everything
 * uncertain (timeouts, connections lost after sending, unknown errors).
 */
import type { JsonValue } from '../history/op.js';
import type { ClientOp } from '../workload/workload.js';
import type { KvConnection } from './kv-connection.js';

/** The completion of a client op. */
export interface Completion {
  readonly type: 'ok' | 'fail' | 'info';
  readonly value: JsonValue;
  readonly error?: string;
  /** Raft index the op took effect at (ok writes, cas; the node's applied index for local reads). */
  readonly logIndex?: number;
}

/** The op names `executeClientOp` knows. */
export const kvClientFs: readonly string[] = ['read', 'write', 'cas', 'read-local'];

/** The client of the key-value workloads: read, write, cas and local reads on one connection. */
export const kvClient = Object.freeze({
  fs: kvClientFs,
  invoke: (connection: KvConnection, op: ClientOp, timeoutMs: number) => executeClientOp(connection, op, timeoutMs),
});

/** Error name recorded for a cas whose compare failed. */
export const casMismatchError = 'cas-mismatch';

function requireKey(op: ClientOp): string {
  if (op.key === undefined) throw new Error(`client op ${op.f} needs a key`);
  return op.key;
}

/** Executes `op` with a per-call deadline; never rejects for SUT failures (only for programmer errors). */
export async function executeClientOp(connection: KvConnection, op: ClientOp, timeoutMs: number): Promise<Completion> {
  const key = requireKey(op);
  let call: () => Promise<Completion>;
  switch (op.f) {
    case 'read':
      call = async () => ({ type: 'ok', value: await connection.read(key, timeoutMs) });
      break;
    case 'write':
      call = async () => {
        const outcome = await connection.write(key, op.value, timeoutMs);
        return { type: 'ok', value: op.value, ...indexOf(outcome.appliedIndex) };
      };
      break;
    case 'read-local':
      call = async () => {
        const read = await connection.readLocal(key, timeoutMs);
        return { type: 'ok', value: read.value, logIndex: read.appliedIndex };
      };
      break;
    case 'cas': {
      if (!Array.isArray(op.value) || op.value.length !== 2)
        throw new Error(`cas value must be [expected, new], got ${JSON.stringify(op.value)}`);
      const [expected, next] = op.value as readonly JsonValue[];
      call = async () => {
        const outcome = await connection.cas(key, expected ?? null, next ?? null, timeoutMs);
        return outcome.succeeded
          ? { type: 'ok', value: op.value, ...indexOf(outcome.appliedIndex) }
          : { type: 'fail', value: op.value, error: casMismatchError };
      };
      break;
    }
    default:
      throw new Error(`unsupported client op "${op.f}" (${kvClientFs.join(', ')})`);
  }
  try {
    return await call();
  } catch (error) {
    const failure = connection.classify(error);
    return {
      type: failure.definite ? 'fail' : 'info',
      value: op.f === 'read' || op.f === 'read-local' ? null : op.value,
      error: failure.name,
    };
  }
}

function indexOf(appliedIndex: number | undefined): { logIndex?: number } {
  return appliedIndex === undefined || appliedIndex <= 0 ? {} : { logIndex: appliedIndex };
}
