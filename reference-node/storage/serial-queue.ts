/**
 * Runs async tasks one at a time in submission order. The stores use it so
 * that concurrent callers can never interleave the read-modify-write of their
 * in-memory bookkeeping (first/last index, applied index) with a batch.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every previously submitted task has settled. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
