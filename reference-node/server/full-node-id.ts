/** `full_node_id` = FNV-1a-64 of the node id's UTF-8 bytes (spec §1.6). */
const fnvOffsetBasis = 0xcbf29ce484222325n;
const fnvPrime = 0x100000001b3n;
const mask64 = (1n << 64n) - 1n;

/** FNV-1a-64 of `id`, as an unsigned 64-bit bigint. */
export function fullNodeId(id: string): bigint {
  let hash = fnvOffsetBasis;
  for (const byte of new TextEncoder().encode(id)) {
    hash ^= BigInt(byte);
    hash = (hash * fnvPrime) & mask64;
  }
  return hash;
}
