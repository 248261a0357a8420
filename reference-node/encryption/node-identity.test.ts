import { describe, expect, it } from 'vitest';
import { findCollidingRaftId, findNode16Collisions, fullNodeId, nodeId16 } from './node-identity.js';

describe('node identity (spec §1.6)', () => {
  it('is FNV-1a-64 of the UTF-8 raftId (published test vectors)', () => {
    expect(fullNodeId('a')).toBe(0xaf63dc4c8601ec8cn);
    expect(fullNodeId('foobar')).toBe(0x85944171f73967e8n);
  });

  it('maps the empty string to the 0 sentinel', () => {
    expect(fullNodeId('')).toBe(0n);
  });

  it('takes node_id16 from the low 16 bits', () => {
    expect(nodeId16(0xaf63dc4c8601ec8cn)).toBe(0xec8c);
    expect(nodeId16(fullNodeId('a'))).toBe(0xec8c);
  });

  it('finds a deterministic colliding raftId and reports the collision group', () => {
    const other = findCollidingRaftId('n1', 'c');
    expect(findCollidingRaftId('n1', 'c')).toBe(other);
    expect(nodeId16(fullNodeId(other))).toBe(nodeId16(fullNodeId('n1')));
    expect(fullNodeId(other)).not.toBe(fullNodeId('n1'));
    expect(findNode16Collisions(['n1', 'n2', 'n3', other, 'n1'])).toEqual([
      { nodeId16: nodeId16(fullNodeId('n1')), raftIds: ['n1', other] },
    ]);
    expect(findNode16Collisions(['n1', 'n2', 'n3'])).toEqual([]);
  });
});
