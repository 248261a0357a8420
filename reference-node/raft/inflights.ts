/**
 * The leader's flow-control window towards one follower: the last index of
 * each Append in flight (etcd's tracker/inflights.go), at most `capacity`.
 */
import { assert } from './errors.js';

export class Inflights {
  private readonly lastIndexes: number[] = [];

  constructor(readonly capacity: number) {
    assert(capacity >= 1, () => `inflights capacity ${capacity} < 1`);
  }

  /** Records an Append whose last entry is `lastIndex` (indexes are sent in increasing order). */
  add(lastIndex: number): void {
    assert(!this.full(), 'inflights.add on a full window');
    const previous = this.lastIndexes[this.lastIndexes.length - 1];
    assert(
      previous === undefined || previous < lastIndex,
      () => `inflights out of order: ${lastIndex} after ${previous}`,
    );
    this.lastIndexes.push(lastIndex);
  }

  /** Frees every Append acknowledged by an accept of `index`. */
  freeLE(index: number): void {
    let freed = 0;
    while (freed < this.lastIndexes.length && (this.lastIndexes[freed] ?? Infinity) <= index) freed++;
    this.lastIndexes.splice(0, freed);
  }

  /** Frees the oldest Append (used when the window stalls). */
  freeFirst(): void {
    this.lastIndexes.shift();
  }

  full(): boolean {
    return this.lastIndexes.length >= this.capacity;
  }

  get count(): number {
    return this.lastIndexes.length;
  }

  reset(): void {
    this.lastIndexes.length = 0;
  }
}
