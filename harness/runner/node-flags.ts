/**
 * The flags of each node as the harness starts it: the user's pass-through
 * flags, its rollout stage, and — for nodes of an encrypted cluster whose
 * stage has the KEK flags (6B and later, spec §7.1) — the encryption flags
 * with the run's KEK file and a sidecar in the node's own directory, so the
 * run directory holds every artifact. A pure function of the config, so a
 * stage upgrade during the run and a replay compute the same flags.
 */
import { join } from 'node:path';
import type { TestConfig } from './test-config.js';

/** The stage a flag list selects (the node's default, 6F, when none). */
export function stageOf(flags: readonly string[]): string {
  const at = flags.lastIndexOf('--stage');
  return at >= 0 ? (flags[at + 1] ?? '6F') : '6F';
}

/** Stages that accept --encryption-enabled / --kek-file (spec §7.1: 6B adds them). */
export function stageHasKekFlags(stage: string): boolean {
  return stage >= '6B';
}

function withoutStage(flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i += 1) {
    if (flags[i] === '--stage') i += 1;
    else out.push(flags[i] as string);
  }
  return out;
}

/** The run's KEK file (mode 0600), written by the harness when the cluster is encrypted. */
export function kekFileOf(runDir: string): string {
  return join(runDir, 'kek');
}

/** A node's sidecar (`--sidecar-path`): inside the node's own directory, so artifacts are complete. */
export function sidecarPathOf(runDir: string, node: string): string {
  return join(runDir, 'nodes', node, 'keys.json');
}

/** The node's own flags at `stage` (without the harness-owned --id/--listen/… and without the common flags). */
export function nodeFlagsAt(config: TestConfig, runDir: string, node: string, stage: string): string[] {
  const own = withoutStage(config.nodeFlags[node] ?? []);
  const encryption =
    config.encryptionNodes.includes(node) && stageHasKekFlags(stage)
      ? ['--encryption-enabled', '--kek-file', kekFileOf(runDir), '--sidecar-path', sidecarPathOf(runDir, node)]
      : [];
  return [...own, '--stage', stage, ...encryption];
}

/** The node's flags at the start of the run (its configured stage). */
export function initialNodeFlags(config: TestConfig, runDir: string, node: string): string[] {
  return nodeFlagsAt(config, runDir, node, stageOf([...config.commonNodeFlags, ...(config.nodeFlags[node] ?? [])]));
}
