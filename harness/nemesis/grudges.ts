/**
 * Partition shapes as grudges (pure). A grudge maps each node to the nodes
 * whose traffic it does not receive; symmetric cuts list both directions.
 */
import type { Random } from '../generator/random.js';
import type { GrudgeRecord } from './nemesis-action.js';

/** Cuts every link between the groups in both directions. */
export function completeGrudge(groups: readonly (readonly string[])[]): GrudgeRecord {
  const grudge: Record<string, string[]> = {};
  for (const group of groups) {
    const others = groups.filter((g) => g !== group).flat();
    for (const node of group) grudge[node] = [...others].sort();
  }
  return grudge;
}

/** Two random halves (the smaller half first), cut from each other. */
export function halvesGrudge(nodes: readonly string[], random: Random): GrudgeRecord {
  const shuffled = random.shuffle(nodes);
  const cut = Math.floor(shuffled.length / 2);
  return completeGrudge([shuffled.slice(0, cut), shuffled.slice(cut)]);
}

/** One node cut from all others. */
export function isolateGrudge(nodes: readonly string[], isolated: string): GrudgeRecord {
  return completeGrudge([[isolated], nodes.filter((n) => n !== isolated)]);
}

/**
 * Majorities ring (Jepsen): nodes on a shuffled ring; each node hears only the
 * nodes nearest to it, so that every node sees a majority (itself included)
 * but no two nodes see the same one. With an even-sized neighbourhood the
 * ring is directional (each node hears its successors).
 */
export function majoritiesRingGrudge(nodes: readonly string[], random: Random): GrudgeRecord {
  const ring = random.shuffle(nodes);
  const n = ring.length;
  const majority = Math.floor(n / 2) + 1;
  const grudge: Record<string, string[]> = {};
  ring.forEach((node, i) => {
    const heard = new Set<string>([node]);
    if ((majority - 1) % 2 === 0) {
      const reach = (majority - 1) / 2;
      for (let d = 1; d <= reach; d += 1) {
        heard.add(ring[(i + d) % n] as string);
        heard.add(ring[(i - d + n) % n] as string);
      }
    } else {
      for (let d = 1; d < majority; d += 1) heard.add(ring[(i + d) % n] as string);
    }
    grudge[node] = ring.filter((other) => !heard.has(other)).sort();
  });
  return grudge;
}

/** Bridge (Jepsen): two halves that only one node in the middle can reach. */
export function bridgeGrudge(nodes: readonly string[], random: Random): GrudgeRecord {
  const shuffled = random.shuffle(nodes);
  const bridge = shuffled[0] as string;
  const rest = shuffled.slice(1);
  const half = Math.floor(rest.length / 2);
  const left = rest.slice(0, half);
  const right = rest.slice(half);
  const grudge: Record<string, string[]> = { [bridge]: [] };
  for (const node of left) grudge[node] = [...right].sort();
  for (const node of right) grudge[node] = [...left].sort();
  return grudge;
}

/** One-way: a random node stops receiving from every other node (it can still send). */
export function oneWayGrudge(nodes: readonly string[], random: Random): GrudgeRecord {
  const deaf = random.pick(nodes);
  const grudge: Record<string, string[]> = {};
  for (const node of nodes) grudge[node] = node === deaf ? nodes.filter((n) => n !== deaf).sort() : [];
  return grudge;
}

/** The backend's Map form of a grudge. */
export function grudgeToMap(grudge: GrudgeRecord): ReadonlyMap<string, ReadonlySet<string>> {
  return new Map(Object.entries(grudge).map(([node, blocked]) => [node, new Set(blocked)]));
}
