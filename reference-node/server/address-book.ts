/**
 * Where each member can be reached (id → host:port). Filled from `--peers`,
 * from the context of applied conf changes, from snapshots (the application
 * blob) and from the sender address of peer traffic; persisted next to the
 * database so a restarted node can dial its peers before replay finishes.
 */
import { renameSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** The address book of one node. */
export class AddressBook {
  private readonly addresses = new Map<string, string>();
  private readonly file: string | undefined;

  /** `dataDir` undefined keeps the book in memory only (tests). */
  constructor(dataDir?: string) {
    this.file = dataDir === undefined ? undefined : join(dataDir, 'address-book.json');
    if (this.file !== undefined && existsSync(this.file)) {
      this.merge(decodeAddressBook(readFileSync(this.file)), false);
    }
  }

  get(id: string): string | undefined {
    return this.addresses.get(id);
  }

  /** Records an address; returns true when it changed. Persists the book on change. */
  set(id: string, address: string): boolean {
    if (this.addresses.get(id) === address) return false;
    this.addresses.set(id, address);
    this.persist();
    return true;
  }

  /** Merges entries (later sources win). */
  merge(entries: ReadonlyMap<string, string>, persist = true): void {
    let changed = false;
    for (const [id, address] of entries) {
      if (this.addresses.get(id) !== address) {
        this.addresses.set(id, address);
        changed = true;
      }
    }
    if (changed && persist) this.persist();
  }

  entries(): ReadonlyMap<string, string> {
    return new Map(this.addresses);
  }

  /** The book as bytes (carried in snapshots as the application blob). */
  encode(): Uint8Array {
    return encodeAddressBook(this.addresses);
  }

  private persist(): void {
    if (this.file === undefined) return;
    // tmp + rename: a crash leaves either the old or the new book, never a torn one.
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, encodeAddressBook(this.addresses));
    renameSync(tmp, this.file);
  }
}

/** Encodes id → address as JSON bytes (sorted by id, so replicas produce equal bytes). */
export function encodeAddressBook(addresses: ReadonlyMap<string, string>): Uint8Array {
  const sorted = Object.fromEntries([...addresses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return new TextEncoder().encode(JSON.stringify(sorted));
}

/** Decodes bytes written by encodeAddressBook; empty or malformed input gives an empty map. */
export function decodeAddressBook(bytes: Uint8Array): Map<string, string> {
  const result = new Map<string, string>();
  if (bytes.length === 0) return result;
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof parsed !== 'object' || parsed === null) return result;
    for (const [id, address] of Object.entries(parsed)) {
      if (typeof address === 'string') result.set(id, address);
    }
  } catch {
    // A malformed book is treated as empty: addresses are hints that conf changes refresh.
  }
  return result;
}
