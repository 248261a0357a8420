/**
 * One client thread: a connection to its node and a Jepsen process id. Each
 * op is recorded as an invoke and its completion; after an `info` the thread
 * continues as a fresh process (id + concurrency), because the old process's
 * op may still be in flight as far as the checker knows.
 */
import { executeClientOp } from '../client/client-op.js';
import type { KvConnection } from '../client/kv-connection.js';
import type { HistoryOp, OpDraft } from '../history/op.js';
import type { ClientOp } from '../workload/workload.js';

export class ClientWorker {
  private currentProcess: number;
  busy = false;

  constructor(
    readonly thread: number,
    private readonly concurrency: number,
    private readonly connection: KvConnection,
    private readonly record: (draft: OpDraft) => HistoryOp,
    private readonly opTimeoutMs: number,
  ) {
    this.currentProcess = thread;
  }

  get process(): number {
    return this.currentProcess;
  }

  /** Invokes `op`, waits for its completion (bounded by the op timeout) and records both. */
  async run(op: ClientOp): Promise<void> {
    const process = this.currentProcess;
    const node = this.connection.node;
    const key = op.key === undefined ? {} : { key: op.key };
    this.record({ process, type: 'invoke', f: op.f, ...key, value: op.f === 'read' ? null : op.value, node });
    const completion = await executeClientOp(this.connection, op, this.opTimeoutMs);
    this.record({ process, type: completion.type, f: op.f, ...key, value: completion.value, ...(completion.error === undefined ? {} : { error: completion.error }), node });
    if (completion.type === 'info') this.currentProcess += this.concurrency;
  }

  close(): void {
    this.connection.close();
  }
}
