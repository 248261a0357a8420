/**
 * The faults `--nemesis` can name: groups (`partition`, `kill`, `pause`,
 * `clock`, `latency`) and the finer faults they stand for. Each fault turns
 * into a start action (random choices resolved from the seed) and the action
 * that ends it, and declares the backend capability it needs (STYLE.md 10).
 */
import type { Random } from '../generator/random.js';
import { bridgeGrudge, halvesGrudge, isolateGrudge, majoritiesRingGrudge, oneWayGrudge } from './grudges.js';
import type { NemesisAction } from './nemesis-action.js';

/** Every fine-grained fault name. */
export const faultNames = [
  'partition-halves',
  'partition-isolate-node',
  'partition-isolate-leader',
  'partition-majorities-ring',
  'partition-bridge',
  'partition-one-way',
  'kill-random',
  'kill-leader',
  'kill-minority',
  'kill-all',
  'pause-random',
  'pause-leader',
  'pause-minority',
  'clock-bump',
  'clock-strobe',
  'latency',
  'link-reset',
] as const;

export type FaultName = (typeof faultNames)[number];

/** Group names and what they expand to. */
export const faultGroups: Readonly<Record<string, readonly FaultName[]>> = Object.freeze({
  partition: faultNames.filter((f) => f.startsWith('partition-')),
  kill: faultNames.filter((f) => f.startsWith('kill-')),
  pause: faultNames.filter((f) => f.startsWith('pause-')),
  clock: ['clock-bump', 'clock-strobe'],
  latency: ['latency'],
  link: ['latency', 'link-reset'],
});

/** The backend capability a fault needs (`latency` = LinkDegradable: latency and connection resets). */
export type FaultCapability = 'partition' | 'kill' | 'pause' | 'clock' | 'latency';

/** Which capability each fault needs. */
export function faultCapability(fault: FaultName): FaultCapability {
  if (fault.startsWith('partition-')) return 'partition';
  if (fault.startsWith('kill-')) return 'kill';
  if (fault.startsWith('pause-')) return 'pause';
  if (fault.startsWith('clock-')) return 'clock';
  return 'latency';
}

/** The capability a start action needs (null for actions that end or undo faults). */
export function faultCapabilityOfAction(action: NemesisAction): FaultCapability | null {
  switch (action.f) {
    case 'start-partition':
      return 'partition';
    case 'kill':
      return 'kill';
    case 'pause':
      return 'pause';
    case 'clock-bump':
    case 'clock-strobe':
      return 'clock';
    case 'start-latency':
    case 'start-link-resets':
      return 'latency';
    case 'restart-with-flags':
      return 'kill';
    case 'stop-partition':
    case 'restart':
    case 'resume':
    case 'clock-reset':
    case 'stop-latency':
    case 'stop-link-resets':
    case 'heal-all':
      return null;
  }
}

/** Expands `partition,kill-leader,…` into fault names; `none` means no faults. Throws on unknown names. */
export function parseFaultList(text: string): FaultName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 1 && names[0] === 'none') return [];
  const result = new Set<FaultName>();
  for (const name of names) {
    if (name === 'none') throw new RangeError('"none" cannot be combined with other faults');
    const group = faultGroups[name];
    if (group !== undefined) group.forEach((f) => result.add(f));
    else if ((faultNames as readonly string[]).includes(name)) result.add(name as FaultName);
    else
      throw new RangeError(
        `unknown fault "${name}"; known: none, ${[...Object.keys(faultGroups), ...faultNames].join(', ')}`,
      );
  }
  return [...result];
}

/** Fault tuning (defaults in one place, written to test.json). */
export interface FaultTuning {
  readonly clockOffsetMaxMs: number;
  readonly clockStrobePeriodMs: number;
  readonly latencyMs: number;
  readonly linkResetPeriodMs: number;
}

/** Defaults of the fault tuning. */
export const faultTuningDefaults: FaultTuning = Object.freeze({
  clockOffsetMaxMs: 120_000,
  clockStrobePeriodMs: 500,
  latencyMs: 100,
  linkResetPeriodMs: 300,
});

function minority(nodes: readonly string[], random: Random): string[] {
  const size = Math.max(1, Math.floor((nodes.length - 1) / 2));
  return random.shuffle(nodes).slice(0, size);
}

/** The start action of a fault and the action that ends it. */
export function planFault(
  fault: FaultName,
  context: {
    readonly nodes: readonly string[];
    readonly random: Random;
    readonly tuning: FaultTuning;
    readonly durationMs: number;
  },
): { readonly start: NemesisAction; readonly stop: NemesisAction } {
  const { nodes, random, tuning } = context;
  const partition = (start: NemesisAction): { start: NemesisAction; stop: NemesisAction } => ({
    start,
    stop: { f: 'stop-partition' },
  });
  switch (fault) {
    case 'partition-halves':
      return partition({ f: 'start-partition', shape: 'halves', grudge: halvesGrudge(nodes, random) });
    case 'partition-isolate-node':
      return partition({
        f: 'start-partition',
        shape: 'isolate-node',
        grudge: isolateGrudge(nodes, random.pick(nodes)),
      });
    case 'partition-isolate-leader':
      return partition({ f: 'start-partition', shape: 'isolate-leader' });
    case 'partition-majorities-ring':
      return partition({ f: 'start-partition', shape: 'majorities-ring', grudge: majoritiesRingGrudge(nodes, random) });
    case 'partition-bridge':
      return partition({ f: 'start-partition', shape: 'bridge', grudge: bridgeGrudge(nodes, random) });
    case 'partition-one-way':
      return partition({ f: 'start-partition', shape: 'one-way', grudge: oneWayGrudge(nodes, random) });
    case 'kill-random':
      return { start: { f: 'kill', target: { nodes: [random.pick(nodes)] } }, stop: { f: 'restart' } };
    case 'kill-leader':
      return { start: { f: 'kill', target: { leader: true } }, stop: { f: 'restart' } };
    case 'kill-minority':
      return { start: { f: 'kill', target: { nodes: minority(nodes, random) } }, stop: { f: 'restart' } };
    case 'kill-all':
      return { start: { f: 'kill', target: { nodes: [...nodes] } }, stop: { f: 'restart' } };
    case 'pause-random':
      return { start: { f: 'pause', target: { nodes: [random.pick(nodes)] } }, stop: { f: 'resume' } };
    case 'pause-leader':
      return { start: { f: 'pause', target: { leader: true } }, stop: { f: 'resume' } };
    case 'pause-minority':
      return { start: { f: 'pause', target: { nodes: minority(nodes, random) } }, stop: { f: 'resume' } };
    case 'clock-bump':
      return {
        start: { f: 'clock-bump', nodes: minority(nodes, random), offsetMs: signedOffset(random, tuning) },
        stop: { f: 'clock-reset' },
      };
    case 'clock-strobe':
      return {
        start: {
          f: 'clock-strobe',
          nodes: minority(nodes, random),
          offsetMs: signedOffset(random, tuning),
          periodMs: tuning.clockStrobePeriodMs,
          durationMs: context.durationMs,
        },
        stop: { f: 'clock-reset' },
      };
    case 'latency':
      return { start: { f: 'start-latency', delayMs: tuning.latencyMs }, stop: { f: 'stop-latency' } };
    case 'link-reset':
      return { start: { f: 'start-link-resets', periodMs: tuning.linkResetPeriodMs }, stop: { f: 'stop-link-resets' } };
  }
}

function signedOffset(random: Random, tuning: FaultTuning): number {
  // Whole seconds: libfaketime offsets are written as "+Ns".
  const seconds = 1 + random.int(Math.max(1, Math.floor(tuning.clockOffsetMaxMs / 1000)));
  return (random.int(2) === 0 ? -1 : 1) * seconds * 1000;
}
