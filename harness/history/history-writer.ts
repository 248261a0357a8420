/**
 * Streams history.jsonl while the test runs. Each op is one synchronous
 * `write(2)` of a whole line (so a killed harness leaves whole lines, at
 * worst one torn last line), and the file is fsynced at least every
 * `fsyncIntervalMs` so a machine crash loses at most that much.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { HistoryHeader, HistoryOp, OpDraft } from './op.js';

/** Source of "nanoseconds since test start"; injected so tests control time. */
export type NanoClock = () => number;

export interface HistoryWriterOptions {
  readonly path: string;
  readonly header: HistoryHeader;
  /** Upper bound on the time between two fsyncs while ops arrive. */
  readonly fsyncIntervalMs: number;
  readonly clock: NanoClock;
}

/** Appends ops to history.jsonl; dispose (close) on every exit path. */
export class HistoryWriter implements Disposable {
  private fd: number | null;
  private nextIndex = 0;
  private readonly timer: NodeJS.Timeout;
  private dirty = false;
  private readonly clock: NanoClock;
  private readonly listeners: ((op: HistoryOp) => void)[] = [];

  constructor(options: HistoryWriterOptions) {
    this.clock = options.clock;
    this.fd = openSync(options.path, 'w');
    this.writeLine(JSON.stringify(options.header));
    this.timer = setInterval(() => this.flush(), options.fsyncIntervalMs);
    // The fsync timer must not keep a finished harness alive.
    this.timer.unref();
  }

  /** Stamps the op with the next index and the current time, writes it and returns it. */
  append(draft: OpDraft): HistoryOp {
    const op: HistoryOp = { index: this.nextIndex, time: Math.round(this.clock()), ...draft };
    this.nextIndex += 1;
    this.writeLine(JSON.stringify(op));
    for (const listener of this.listeners) listener(op);
    return op;
  }

  /** Called synchronously for every appended op (progress display, stats). */
  onAppend(listener: (op: HistoryOp) => void): void {
    this.listeners.push(listener);
  }

  /** Number of ops written so far. */
  get size(): number {
    return this.nextIndex;
  }

  /** fsyncs pending writes now. */
  flush(): void {
    if (this.fd === null || !this.dirty) return;
    fsyncSync(this.fd);
    this.dirty = false;
  }

  /** Flushes and closes; idempotent. */
  close(): void {
    clearInterval(this.timer);
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private writeLine(line: string): void {
    if (this.fd === null) throw new Error('history writer is closed');
    writeSync(this.fd, `${line}\n`);
    this.dirty = true;
  }
}
