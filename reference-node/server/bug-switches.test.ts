import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENCRYPTION_LAYER_BUG_SWITCHES } from '../encryption/index.js';
import { SERVER_LAYER_BUG_SWITCHES } from './bug-switches.js';
import { cataloguedBugIds, parseBugId } from './catalogued-bugs.js';

const nodeRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every `BUG SWITCH Bn` marker in the node's (non-test) sources. */
function markedSwitches(): Set<string> {
  const marked = new Set<string>();
  for (const entry of readdirSync(nodeRoot, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    for (const match of readFileSync(join(entry.parentPath, entry.name), 'utf8').matchAll(/BUG SWITCH (B\d+)/g)) marked.add(match[1]!);
  }
  return marked;
}

describe('catalogued-bug switch registries', () => {
  const registered = [...Object.keys(SERVER_LAYER_BUG_SWITCHES), ...Object.keys(ENCRYPTION_LAYER_BUG_SWITCHES)];

  it('list every id --bug accepts exactly once, and nothing --bug would refuse', () => {
    expect([...registered].sort()).toEqual([...cataloguedBugIds].sort());
    for (const id of registered) expect(parseBugId(id), id).toBe(id);
  });

  it('have a marked deviation in the sources for every registered switch (an accepted id that changes nothing would be a silent no-op)', () => {
    const marked = markedSwitches();
    for (const id of registered) expect(marked.has(id), `BUG SWITCH ${id} marker`).toBe(true);
  });
});
