/**
 * Node identity (spec §1.6): the 64-bit FNV-1a hash of the raftId string and
 * its low 16 bits, which appear in nonces, registry keys and the collision
 * guard.
 */

const FNV_OFFSET_BASIS_64 = 0xcbf29ce484222325n;
const FNV_PRIME_64 = 0x100000001b3n;
const UINT64_MASK = 0xffffffffffffffffn;

/**
 * `full_node_id = FNV-1a-64(raftId)` over the UTF-8 bytes. The empty string
 * maps to 0 (the "not encryption-capable" sentinel) and a hash of 0 is
 * remapped to 1 so no real node ever carries the sentinel.
 */
export function fullNodeId(raftId: string): bigint {
  if (raftId === '') return 0n;
  let hash = FNV_OFFSET_BASIS_64;
  for (const byte of Buffer.from(raftId, 'utf8')) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME_64) & UINT64_MASK;
  }
  return hash === 0n ? 1n : hash;
}

/** `node_id16 = full_node_id & 0xFFFF`. */
export function nodeId16(full: bigint): number {
  return Number(full & 0xffffn);
}

/** A group of raftIds whose distinct full ids share one node_id16. */
export interface Node16Collision {
  readonly nodeId16: number;
  readonly raftIds: readonly string[];
}

/**
 * The groups of raftIds that collide on node_id16 (distinct full ids, same
 * low 16 bits). Duplicate raftIds are not collisions. Groups are sorted by
 * node_id16, raftIds inside a group by first appearance.
 */
export function findNode16Collisions(raftIds: Iterable<string>): readonly Node16Collision[] {
  const byNode16 = new Map<number, Map<bigint, string>>();
  for (const raftId of raftIds) {
    const full = fullNodeId(raftId);
    const group = byNode16.get(nodeId16(full)) ?? new Map<bigint, string>();
    if (!group.has(full)) group.set(full, raftId);
    byNode16.set(nodeId16(full), group);
  }
  return [...byNode16.entries()]
    .filter(([, group]) => group.size > 1)
    .sort(([a], [b]) => a - b)
    .map(([node16, group]) => ({ nodeId16: node16, raftIds: [...group.values()] }));
}

/** Upper bound on candidates tried by {@link findCollidingRaftId} (≈ 40× the expected 65 536). */
const collisionSearchCandidatesMax = 65_536 * 40;

/**
 * A deterministic raftId `${prefix}${n}` (smallest n ≥ 0) whose node_id16
 * equals that of `target` but whose full id differs: lets the harness build
 * clusters that exercise ErrNodeIDCollision / registry case "collision".
 */
export function findCollidingRaftId(target: string, prefix: string): string {
  const targetFull = fullNodeId(target);
  const wanted = nodeId16(targetFull);
  for (let n = 0; n < collisionSearchCandidatesMax; n++) {
    const candidate = `${prefix}${n}`;
    const full = fullNodeId(candidate);
    if (nodeId16(full) === wanted && full !== targetFull) return candidate;
  }
  throw new Error(
    `no raftId with prefix ${JSON.stringify(prefix)} collides with ${JSON.stringify(target)} within ${collisionSearchCandidatesMax} candidates`,
  );
}
