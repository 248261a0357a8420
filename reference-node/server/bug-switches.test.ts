import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENCRYPTION_LAYER_BUG_SWITCHES } from '../encryption/index.js';
import { KV_LAYER_BUG_SWITCHES } from '../kv/index.js';
import { bugCatalogue, bugEntry, type BugLayer } from '../proto/index.js';
import { SERVER_LAYER_BUG_SWITCHES } from './bug-switches.js';
import { bugIdRefusal, cataloguedBugIds, parseBugId } from './catalogued-bugs.js';

const nodeRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every `BUG SWITCH <id>[, <id>…]` marker in the node's (non-test) sources. */
function markedSwitches(): Set<string> {
  const marked = new Set<string>();
  for (const entry of readdirSync(nodeRoot, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    for (const match of readFileSync(join(entry.parentPath, entry.name), 'utf8').matchAll(
      /BUG SWITCH ((?:[BE]\d+)(?:, [BE]\d+)*)/g,
    )) {
      for (const id of match[1]!.split(', ')) marked.add(id);
    }
  }
  return marked;
}

const layers: Readonly<Record<BugLayer, Readonly<Record<string, string>>>> = {
  server: SERVER_LAYER_BUG_SWITCHES,
  encryption: ENCRYPTION_LAYER_BUG_SWITCHES,
  kv: KV_LAYER_BUG_SWITCHES,
};

/** bug-catalogue.md §10.B (B1–B47) and the §10.D E-list as the spec numbers it. */
const specIds = [
  ...Array.from({ length: 47 }, (_, i) => `B${i + 1}`),
  'E1',
  'E2',
  'E5',
  'E6',
  'E13',
  'E14',
  'E15',
  'E16',
  'E17',
  'E19',
  'E21',
  'E22',
  'E23',
  'E25',
];

describe('the bug catalogue and the layer switch registries', () => {
  it('holds every id of bug-catalogue.md §10.B and §10.D once, each with a description and, if inexpressible, a reason', () => {
    expect(bugCatalogue.map((entry) => entry.id)).toEqual(specIds);
    for (const entry of bugCatalogue) {
      expect(entry.description.length, entry.id).toBeGreaterThan(10);
      expect(entry.expressible ? entry.observable : entry.why, entry.id).toMatch(/\S{3,}/);
    }
  });

  it('every expressible id has exactly one layer registry entry, in the layer the catalogue names, and every layer entry is catalogued as expressible', () => {
    const registered = Object.entries(layers).flatMap(([layer, switches]) =>
      Object.keys(switches).map((id) => ({ id, layer })),
    );
    expect(registered.map((r) => r.id).sort()).toEqual([...cataloguedBugIds].sort());
    for (const { id, layer } of registered) {
      const entry = bugEntry(id);
      expect(entry?.expressible, `${id} in the ${layer} registry`).toBe(true);
      if (entry?.expressible === true) expect(entry.layer, id).toBe(layer);
    }
  });

  it('has a marked deviation in the sources for every expressible id and no marker for anything else (an accepted id that changes nothing would be a silent no-op)', () => {
    const marked = markedSwitches();
    for (const id of cataloguedBugIds) expect(marked.has(id), `BUG SWITCH ${id} marker`).toBe(true);
    expect([...marked].filter((id) => !cataloguedBugIds.includes(id as never))).toEqual([]);
  });

  it('--bug accepts exactly the expressible ids (any case, with a slug) and names the reason for the rest', () => {
    for (const id of cataloguedBugIds) {
      expect(parseBugId(id), id).toBe(id);
      expect(parseBugId(`${id.toLowerCase()}-some-slug`), id).toBe(id);
    }
    expect(parseBugId('B40')).toBe('B40');
    expect(parseBugId('B42')).toBe('B42');
    for (const entry of bugCatalogue.filter((e) => !e.expressible)) {
      expect(parseBugId(entry.id), entry.id).toBeUndefined();
      expect(bugIdRefusal(entry.id)).toContain(
        `catalogued bug ${entry.id} cannot be switched on in the reference node`,
      );
    }
    expect(bugIdRefusal('B999')).toBe(`unknown catalogued bug 'B999'; valid ids: ${cataloguedBugIds.join(',')}`);
    expect(bugIdRefusal('E14')).toBeUndefined();
  });
});
