import { describe, expect, it } from 'vitest';
import { fullNodeId } from './full-node-id.js';

describe('fullNodeId (FNV-1a-64)', () => {
  it('matches the published FNV-1a-64 test vectors', () => {
    expect(fullNodeId('')).toBe(0xcbf29ce484222325n);
    expect(fullNodeId('a')).toBe(0xaf63dc4c8601ec8cn);
    expect(fullNodeId('foobar')).toBe(0x85944171f73967e8n);
  });

  it('differs between node ids', () => {
    expect(fullNodeId('n1')).not.toBe(fullNodeId('n2'));
  });
});
