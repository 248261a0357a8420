/**
 * The inbox of the Raft loop: closures that touch the RawNode, run only
 * between two Readys (never while one is being persisted or applied), in
 * arrival order. Bounded: a full inbox refuses with Overloaded (definite).
 * Once closed (halt, shutdown) queued and later requests fail with the
 * closing error instead of waiting forever.
 */
import { NodeError } from '../proto/index.js';

interface Item<T> {
  readonly work: (target: T) => void;
  readonly reject: ((error: Error) => void) | undefined;
}

/** A bounded FIFO of work for the Raft loop with a wake-up signal. */
export class InputQueue<T> {
  private items: Array<Item<T>> = [];
  private wake: (() => void) | undefined;
  private closedWith: (() => Error) | undefined;

  constructor(private readonly inputsMax: number) {}

  get length(): number {
    return this.items.length;
  }

  /** Queues fire-and-forget work (Raft messages, ticks). Drops it when full or closed and returns false. */
  post(work: (target: T) => void): boolean {
    return this.push({ work, reject: undefined });
  }

  private push(item: Item<T>): boolean {
    if (this.closedWith !== undefined || this.items.length >= this.inputsMax) return false;
    this.items.push(item);
    this.signal();
    return true;
  }

  /** Queues work and resolves with its result (or rejects with what it threw). */
  run<R>(work: (target: T) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const accepted = this.push({
        work: (target) => {
          try {
            resolve(work(target));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
        reject,
      });
      if (accepted) return;
      reject(
        this.closedWith?.() ?? new NodeError('Overloaded', `the Raft loop's inbox is full (${this.inputsMax} inputs)`),
      );
    });
  }

  /** Runs every queued item against `target`. */
  drain(target: T): void {
    const items = this.items;
    this.items = [];
    for (const item of items) item.work(target);
  }

  /** Refuses further work; queued requests fail with `error()`. */
  close(error: () => Error): void {
    this.closedWith = error;
    const items = this.items;
    this.items = [];
    for (const item of items) item.reject?.(error());
    this.signal();
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
