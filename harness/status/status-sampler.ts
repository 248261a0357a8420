/**
 * The status sampler: polls every node's Status and GetSidecarState during
 * the whole run (about every 250 ms) and appends what it saw to status.jsonl
 * (checkers/artifacts/status-sample.ts), one line per node per round, on the
 * history's clock. A round that is still waiting for slow nodes when the next
 * is due is not doubled up (the round is skipped and counted), and each call
 * has its own deadline, so a paused node costs one timeout, not a backlog.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { StatusSample } from '../../checkers/artifacts/index.js';
import type { NodeHandle } from '../cluster/cluster-backend.js';
import type { NodeStatus, OperatorApi } from '../client/operator-api.js';

/** Defaults of the sampler (written to test.json with the config). */
export const statusSamplerDefaults = Object.freeze({ periodMs: 250, rpcTimeoutMs: 400, fsyncIntervalMs: 1_000 });

export interface StatusSamplerOptions {
  readonly path: string;
  readonly api: OperatorApi;
  readonly nodes: () => readonly NodeHandle[];
  /** Nanoseconds since the test started (the history's clock). */
  readonly clock: () => number;
  readonly periodMs: number;
  readonly rpcTimeoutMs: number;
  readonly fsyncIntervalMs: number;
}

/** Samples until stopped; dispose (stop) on every exit path. */
export class StatusSampler {
  private readonly fd: number;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private lastFsyncMs = 0;
  private closed = false;
  /** Rounds not taken because the previous one was still running. */
  roundsSkipped = 0;
  rounds = 0;

  constructor(private readonly options: StatusSamplerOptions) {
    this.fd = openSync(options.path, 'a');
  }

  start(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setInterval(() => this.tick(), this.options.periodMs);
    this.timer.unref();
    this.tick();
  }

  /** Takes one round now (also used right before collection, so the last state is on record). */
  async sampleNow(): Promise<void> {
    // One round at a time: a tick's round running beside this one could write later samples first.
    while (this.inFlight !== null) await this.inFlight;
    const round = this.round().finally(() => {
      if (this.inFlight === round) this.inFlight = null;
    });
    this.inFlight = round;
    await round;
  }

  private tick(): void {
    if (this.inFlight !== null) {
      this.roundsSkipped += 1;
      return;
    }
    this.inFlight = this.round().finally(() => {
      this.inFlight = null;
    });
  }

  private async round(): Promise<void> {
    if (this.closed) return;
    this.rounds += 1;
    const samples = await Promise.all(this.options.nodes().map((node) => this.sample(node)));
    if (this.closed) return;
    writeSync(this.fd, samples.map((s) => `${JSON.stringify(s)}\n`).join(''));
    const now = performance.now();
    if (now - this.lastFsyncMs >= this.options.fsyncIntervalMs) {
      fsyncSync(this.fd);
      this.lastFsyncMs = now;
    }
  }

  private async sample(node: NodeHandle): Promise<StatusSample> {
    const time = Math.round(this.options.clock());
    const processState = !node.running ? 'down' : node.paused ? 'paused' : 'running';
    if (processState !== 'running') return { time, node: node.id, process: processState, status: null, sidecar: null };
    const [status, sidecar] = await Promise.allSettled([
      this.options.api.status(node.clientAddress, this.options.rpcTimeoutMs),
      this.options.api.sidecar(node.clientAddress, this.options.rpcTimeoutMs),
    ]);
    const errors: string[] = [];
    if (status.status === 'rejected') errors.push(`status: ${this.options.api.classify(status.reason).name}`);
    if (sidecar.status === 'rejected') errors.push(`sidecar: ${this.options.api.classify(sidecar.reason).name}`);
    return {
      time,
      node: node.id,
      process: processState,
      status: status.status === 'fulfilled' ? statusView(status.value) : null,
      sidecar: sidecar.status === 'fulfilled' ? sidecar.value : null,
      ...(errors.length === 0 ? {} : { error: errors.join('; ') }),
    };
  }

  /** Stops sampling and closes the file (waits for a round in flight). Idempotent. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.inFlight;
    if (this.closed) return;
    this.closed = true;
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}

/** The status fields status.jsonl keeps (not the members or flags). */
function statusView(status: NodeStatus): StatusSample['status'] {
  return {
    role: status.role,
    term: status.term,
    leader: status.leader,
    commitIndex: status.commitIndex,
    appliedIndex: status.appliedIndex,
    lastIndex: status.lastIndex,
    snapshotIndex: status.snapshotIndex,
    halted: status.halted,
    haltCode: status.haltCode,
    haltError: status.haltError,
    haltIndex: status.haltIndex,
    haltReason: status.haltReason,
    stage: status.stage,
    bugs: status.bugs,
    snapshotFormat: status.snapshotFormat,
    uptimeMs: status.uptimeMs,
  };
}
