/**
 * The inbox of the Raft loop: closures that touch the RawNode, run only
 * between two Readys (never while one is being persisted or applied), in
 * arrival order. Bounded: a full inbox refuses with Overloaded (definite).
 */
import { NodeError } from '../proto/index.js';

/** A bounded FIFO of work for the Raft loop with a wake-up signal. */
export class InputQueue<T> {
  private items: Array<(target: T) => void> = [];
  private wake: (() => void) | undefined;

  constructor(private readonly inputsMax: number) {}

  get length(): number {
    return this.items.length;
  }

  /** Queues fire-and-forget work (Raft messages, ticks). Drops it when full and returns false. */
  post(work: (target: T) => void): boolean {
    if (this.items.length >= this.inputsMax) return false;
    this.items.push(work);
    this.signal();
    return true;
  }

  /** Queues work and resolves with its result (or rejects with what it threw). */
  run<R>(work: (target: T) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const accepted = this.post((target) => {
        try {
          resolve(work(target));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      if (!accepted) reject(new NodeError('Overloaded', `the Raft loop's inbox is full (${this.inputsMax} inputs)`));
    });
  }

  /** Runs every queued item against `target`. */
  drain(target: T): void {
    const items = this.items;
    this.items = [];
    for (const item of items) item(target);
  }

  /** Resolves when new work arrives (immediately if some is queued). */
  waitForWork(): Promise<void> {
    if (this.items.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** Wakes a waiting loop without work (e.g. to stop it). */
  signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
