/**
 * One client thread: a connection to its node and a Jepsen process id. Each
 * op is recorded as an invoke and its completion; after an `info` the thread
 * continues as a fresh process (id + concurrency), because the old process's
 * op may still be in flight as far as the checker knows.
 */
import { NodeErrors } from '../../reference-node/proto/index.js';
import type { KvConnection } from '../client/kv-connection.js';
import type { HistoryOp, OpDraft } from '../history/op.js';
import type { ClientOp, WorkloadClient } from '../workload/workload.js';

const haltedError = NodeErrors.NodeHalted.name;

export class ClientWorker {
  private currentProcess: number;
  busy = false;

  constructor(
    readonly thread: number,
    private readonly concurrency: number,
    private readonly connection: KvConnection,
    private readonly client: WorkloadClient,
    private readonly record: (draft: OpDraft) => HistoryOp,
    private readonly opTimeoutMs: number,
  ) {
    this.currentProcess = thread;
  }

  get process(): number {
    return this.currentProcess;
  }

  /** The node this worker's connection talks to. */
  get node(): string {
    return this.connection.node;
  }

  /** Invokes `op`, waits for its completion (bounded by the op timeout) and records both; again while `untilOk` allows. */
  async run(op: ClientOp): Promise<void> {
    const attempts = op.untilOk?.attempts ?? 1;
    for (let attempt = 1; ; attempt += 1) {
      const completion = await this.runOnce(op);
      // A halted node refuses until an operator acts (spec §5.4): asking again changes nothing.
      if (completion.type === 'ok' || attempt >= attempts || completion.error === haltedError) return;
      await new Promise((resolve) => setTimeout(resolve, op.untilOk?.backoffMs ?? 0));
    }
  }

  private async runOnce(
    op: ClientOp,
  ): Promise<{ readonly type: 'ok' | 'fail' | 'info'; readonly error?: string | undefined }> {
    const process = this.currentProcess;
    const node = this.connection.node;
    const key = op.key === undefined ? {} : { key: op.key };
    const reads = op.f === 'read' || op.f === 'read-local';
    this.record({ process, type: 'invoke', f: op.f, ...key, value: reads ? null : op.value, node });
    const completion = await this.client.invoke(this.connection, op, this.opTimeoutMs);
    this.record({
      process,
      type: completion.type,
      f: op.f,
      ...key,
      value: completion.value,
      ...(completion.error === undefined ? {} : { error: completion.error }),
      node,
      ...(completion.logIndex === undefined ? {} : { logIndex: completion.logIndex }),
    });
    if (completion.type === 'info') this.currentProcess += this.concurrency;
    return completion;
  }

  close(): void {
    this.connection.close();
  }
}
