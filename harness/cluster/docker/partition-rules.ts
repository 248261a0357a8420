/**
 * Turns a grudge into iptables rules per node (pure). Each node's network
 * namespace gets one chain, EKV-PARTITION, jumped to from INPUT; a partition
 * change rewrites the whole chain with one `iptables-restore --noflush`, so a
 * node never sees a half-applied grudge.
 */
import { HarnessError } from '../../errors/index.js';
import type { Grudge } from '../cluster-backend.js';

/** The chain the backend owns inside every container's network namespace. */
export const partitionChain = 'EKV-PARTITION';

/** `iptables-restore --noflush` input that creates the chain and jumps to it (fresh namespace only). */
export function chainSetupRules(): string {
  return ['*filter', `:${partitionChain} - [0:0]`, `-I INPUT -j ${partitionChain}`, 'COMMIT', ''].join('\n');
}

/**
 * `iptables-restore --noflush` input that replaces the chain's rules with one
 * DROP per peer address whose traffic the node must not receive. (Declaring
 * the chain again flushes it.)
 */
export function chainRules(blockedAddresses: readonly string[]): string {
  const drops = [...new Set(blockedAddresses)].sort().map((address) => `-A ${partitionChain} -s ${address}/32 -j DROP`);
  return ['*filter', `:${partitionChain} - [0:0]`, ...drops, 'COMMIT', ''].join('\n');
}

/** Checks that every node a grudge names is a member; a typo must not silently heal a link. */
export function validateGrudge(grudge: Grudge, nodeIds: readonly string[]): void {
  const known = new Set(nodeIds);
  for (const [node, blocked] of grudge) {
    for (const id of [node, ...blocked]) {
      if (!known.has(id))
        throw new HarnessError('UNKNOWN_NODE', `partition names unknown node '${id}' (nodes: ${nodeIds.join(', ')})`);
    }
  }
}

/**
 * The addresses `node` must drop under `grudge`, given each node's current
 * address on the cluster network (nodes without one, i.e. killed nodes, are
 * skipped: their rules are rebuilt when they start).
 */
export function blockedAddressesOf(node: string, grudge: Grudge, addresses: ReadonlyMap<string, string>): string[] {
  const result: string[] = [];
  for (const peer of grudge.get(node) ?? []) {
    const address = addresses.get(peer);
    if (address !== undefined && peer !== node) result.push(address);
  }
  return result;
}
