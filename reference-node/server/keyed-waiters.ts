/**
 * Requests waiting on the Raft loop, by key (read requests by ReadIndex
 * request id, conf changes by their context's request id). Each waiter has a
 * deadline; the total is bounded.
 */
import { NodeError, type NodeErrorName } from '../proto/index.js';
import type { NodeClock, Timer } from './node-clock.js';

interface Waiter<V> {
  resolve(value: V): void;
  reject(error: Error): void;
  timer: Timer;
}

/** A bounded map of deadline-guarded promises. */
export class KeyedWaiters<V> {
  private readonly waiters = new Map<string, Waiter<V>>();

  constructor(
    private readonly waitersMax: number,
    /** The error a waiter gets when its deadline passes. */
    private readonly onTimeout: { readonly name: NodeErrorName; readonly message: string },
    /** Times each waiter's deadline. */
    private readonly clock: NodeClock,
  ) {}

  get size(): number {
    return this.waiters.size;
  }

  has(key: string): boolean {
    return this.waiters.has(key);
  }

  keys(): string[] {
    return [...this.waiters.keys()];
  }

  /**
   * Registers a waiter; throws Overloaded when the bound is reached. Await
   * the promise at once (before any other await): its deadline, or
   * `reject`/`rejectAll`, may reject it any time, and a rejection nothing
   * awaits yet crashes the process (Node's unhandled-rejection rule).
   */
  wait(key: string, timeoutMs: number): Promise<V> {
    if (this.waiters.size >= this.waitersMax) {
      throw new NodeError('Overloaded', `${this.waitersMax} requests are already waiting`);
    }
    if (this.waiters.has(key)) throw new Error(`duplicate waiter key ${key}`);
    return new Promise<V>((resolve, reject) => {
      const timer = this.clock.after(timeoutMs, () => {
        this.waiters.delete(key);
        reject(new NodeError(this.onTimeout.name, `${this.onTimeout.message} after ${timeoutMs} ms`));
      });
      this.waiters.set(key, { resolve, reject, timer });
    });
  }

  resolve(key: string, value: V): boolean {
    const waiter = this.waiters.get(key);
    if (waiter === undefined) return false;
    this.waiters.delete(key);
    waiter.timer.cancel();
    waiter.resolve(value);
    return true;
  }

  reject(key: string, error: Error): boolean {
    const waiter = this.waiters.get(key);
    if (waiter === undefined) return false;
    this.waiters.delete(key);
    waiter.timer.cancel();
    waiter.reject(error);
    return true;
  }

  rejectAll(error: () => Error): void {
    for (const key of this.keys()) this.reject(key, error());
  }
}
