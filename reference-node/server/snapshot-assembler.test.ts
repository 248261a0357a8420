import { describe, expect, it } from 'vitest';
import { NodeError } from '../proto/index.js';
import { SnapshotAssembler } from './peer-service.js';

const chunk = (offset: number, data: number[], last: boolean, totalSize: number, message = Uint8Array.of(9)) => ({
  from: 'n1',
  to: 'n2',
  message: offset === 0 ? message : new Uint8Array(0),
  offset,
  data: Uint8Array.from(data),
  last,
  totalSize,
});

describe('SnapshotAssembler', () => {
  it('reassembles contiguous chunks', () => {
    const assembler = new SnapshotAssembler(100);
    assembler.add(chunk(0, [1, 2], false, 5));
    assembler.add(chunk(2, [3, 4], false, 5));
    assembler.add(chunk(4, [5], true, 5));
    expect([...assembler.result().data]).toEqual([1, 2, 3, 4, 5]);
  });

  it('accepts an empty snapshot in one chunk', () => {
    const assembler = new SnapshotAssembler(100);
    assembler.add(chunk(0, [], true, 0));
    expect(assembler.result().data.length).toBe(0);
  });

  const refusals: ReadonlyArray<readonly [string, (a: SnapshotAssembler) => void, RegExp]> = [
    [
      'a gap',
      (a) => {
        a.add(chunk(0, [1], false, 3));
        a.add(chunk(2, [3], true, 3));
      },
      /offset 2, expected 1/,
    ],
    [
      'too much data',
      (a) => {
        a.add(chunk(0, [1, 2, 3, 4], true, 3));
      },
      /exceed total_size/,
    ],
    [
      'a short stream',
      (a) => {
        a.add(chunk(0, [1], true, 3));
      },
      /ended at 1 of 3/,
    ],
    [
      'an oversized snapshot',
      (a) => {
        a.add(chunk(0, [1], false, 1_000));
      },
      /exceeds 100/,
    ],
    [
      'no message in the first chunk',
      (a) => {
        a.add(chunk(0, [1], true, 1, new Uint8Array(0)));
      },
      /carries no message/,
    ],
    [
      'a chunk after the last',
      (a) => {
        a.add(chunk(0, [1], true, 1));
        a.add(chunk(1, [], true, 1));
      },
      /after the last/,
    ],
    [
      'no last chunk',
      (a) => {
        a.add(chunk(0, [1], false, 2));
        a.result();
      },
      /before its last chunk/,
    ],
  ];
  it.each(refusals)('refuses %s with InvalidArgument', (_name, feed, message) => {
    const assembler = new SnapshotAssembler(100);
    let caught: unknown;
    try {
      feed(assembler);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NodeError);
    expect((caught as NodeError).spec.name).toBe('InvalidArgument');
    expect((caught as NodeError).message).toMatch(message);
  });
});
