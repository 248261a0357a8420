import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Random, runGenerator, timeLimit } from '../generator/index.js';
import {
  bridgeGrudge,
  faultSchedule,
  faultTuningDefaults,
  halvesGrudge,
  isolateGrudge,
  majoritiesRingGrudge,
  oneWayGrudge,
  parseFaultList,
} from './index.js';
import type { GrudgeRecord } from './index.js';

const nodesArb = fc.integer({ min: 3, max: 7 }).map((n) => Array.from({ length: n }, (_, i) => `n${i + 1}`));
const hears = (grudge: GrudgeRecord, a: string, b: string) => !(grudge[a] ?? []).includes(b);

describe('partition grudges', () => {
  it('halves: two groups, symmetric, no node cut from itself', () => {
    fc.assert(
      fc.property(nodesArb, fc.integer(), (nodes, seed) => {
        const grudge = halvesGrudge(nodes, new Random(seed));
        for (const a of nodes) {
          expect(grudge[a]).not.toContain(a);
          for (const b of nodes) expect(hears(grudge, a, b)).toBe(hears(grudge, b, a));
        }
        const sizes = new Set(nodes.map((a) => nodes.filter((b) => hears(grudge, a, b)).length));
        expect([...sizes].sort()).toEqual(
          [...new Set([Math.floor(nodes.length / 2), Math.ceil(nodes.length / 2)])].sort(),
        );
      }),
    );
  });

  it('majorities ring: every node hears a majority, no two the same set', () => {
    fc.assert(
      fc.property(nodesArb, fc.integer(), (nodes, seed) => {
        const grudge = majoritiesRingGrudge(nodes, new Random(seed));
        const majority = Math.floor(nodes.length / 2) + 1;
        const views = nodes.map((a) =>
          nodes
            .filter((b) => hears(grudge, a, b))
            .sort()
            .join(','),
        );
        for (const view of views) expect(view.split(',').length).toBeGreaterThanOrEqual(majority);
        expect(new Set(views).size).toBe(nodes.length);
      }),
    );
  });

  it('isolate, bridge and one-way have the documented shapes', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    expect(isolateGrudge(nodes, 'n2')).toEqual({
      n2: ['n1', 'n3', 'n4', 'n5'],
      n1: ['n2'],
      n3: ['n2'],
      n4: ['n2'],
      n5: ['n2'],
    });
    const bridge = bridgeGrudge(nodes, new Random(3));
    const bridgeNode = nodes.find((n) => (bridge[n] ?? []).length === 0)!;
    for (const n of nodes) expect(hears(bridge, n, bridgeNode) && hears(bridge, bridgeNode, n)).toBe(true);
    const oneWay = oneWayGrudge(nodes, new Random(3));
    const deaf = nodes.filter((n) => (oneWay[n] ?? []).length > 0);
    expect(deaf).toHaveLength(1);
    for (const n of nodes) if (n !== deaf[0]) expect(hears(oneWay, n, deaf[0]!)).toBe(true);
  });
});

describe('fault list and schedule', () => {
  it('expands groups, accepts fine names, refuses unknown names and none with others', () => {
    expect(parseFaultList('kill')).toEqual(['kill-random', 'kill-leader', 'kill-minority', 'kill-all']);
    expect(parseFaultList('none')).toEqual([]);
    expect(parseFaultList('partition-bridge,pause-leader')).toEqual(['partition-bridge', 'pause-leader']);
    expect(() => parseFaultList('partition,explode')).toThrow(/unknown fault "explode"/);
    expect(() => parseFaultList('none,kill')).toThrow(/cannot be combined/);
  });

  it('alternates start and stop every interval, deterministically from the seed', () => {
    const schedule = () =>
      timeLimit(
        10_000,
        faultSchedule({
          faults: parseFaultList('partition,kill,pause,clock'),
          nodes: ['n1', 'n2', 'n3'],
          intervalMs: 1_000,
          tuning: faultTuningDefaults,
        }),
      );
    const a = runGenerator(schedule(), { random: new Random(5), threads: 1 }, { eventsMax: 100 });
    const b = runGenerator(schedule(), { random: new Random(5), threads: 1 }, { eventsMax: 100 });
    expect(a).toEqual(b);
    expect(a.events.map((e) => e.atMs)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]);
    const stops = new Set(['stop-partition', 'restart', 'resume', 'clock-reset']);
    a.events.forEach((e, i) => expect(stops.has(e.value.f)).toBe(i % 2 === 1));
  });
});
