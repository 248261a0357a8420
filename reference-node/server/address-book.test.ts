import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AddressBook, decodeAddressBook, encodeAddressBook } from './address-book.js';
import { decodeConfChangeContext, encodeConfChangeContext } from './conf-change-context.js';

const dir = mkdtempSync(join(tmpdir(), 'ekv-book-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('AddressBook', () => {
  it('persists across instances and reports changes', () => {
    const book = new AddressBook(dir);
    expect(book.set('n1', '127.0.0.1:7001')).toBe(true);
    expect(book.set('n1', '127.0.0.1:7001')).toBe(false);
    book.merge(new Map([['n2', '127.0.0.1:7002']]));
    expect(new AddressBook(dir).entries()).toEqual(
      new Map([
        ['n1', '127.0.0.1:7001'],
        ['n2', '127.0.0.1:7002'],
      ]),
    );
  });

  it('encodes deterministically (replicas produce equal snapshot blobs)', () => {
    const a = encodeAddressBook(
      new Map([
        ['n2', 'b:2'],
        ['n1', 'a:1'],
      ]),
    );
    const b = encodeAddressBook(
      new Map([
        ['n1', 'a:1'],
        ['n2', 'b:2'],
      ]),
    );
    expect(a).toEqual(b);
    expect(decodeAddressBook(a)).toEqual(
      new Map([
        ['n1', 'a:1'],
        ['n2', 'b:2'],
      ]),
    );
  });

  it('treats empty or malformed bytes as an empty book', () => {
    expect(decodeAddressBook(new Uint8Array(0)).size).toBe(0);
    expect(decodeAddressBook(new TextEncoder().encode('{nope')).size).toBe(0);
    expect(decodeAddressBook(new TextEncoder().encode('{"n1": 5, "n2": "x:1"}'))).toEqual(new Map([['n2', 'x:1']]));
    writeFileSync(join(dir, 'address-book.json'), 'garbage');
    expect(new AddressBook(dir).entries().size).toBe(0);
  });
});

describe('conf change context', () => {
  it('round-trips and tolerates garbage', () => {
    const context = { address: '127.0.0.1:7004', requestId: 'r-1' };
    expect(decodeConfChangeContext(encodeConfChangeContext(context))).toEqual(context);
    expect(decodeConfChangeContext(Uint8Array.of(1, 2, 3))).toEqual({ address: '', requestId: '' });
  });
});
