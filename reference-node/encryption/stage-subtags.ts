/**
 * Which rotation sub-tags a binary knows, by the cutovers it implements
 * (spec §7.1, §7.8): enable-storage-envelope (0x04) arrived with Phase 1
 * (6D), enable-raft-envelope (0x05) with Phase 2 (6E). An older binary that
 * receives a newer sub-tag halts with ErrFSMWireSubtag — the real
 * mixed-version behaviour. Which stage has which cutover is the server's
 * stage table (server/rollout-stage.ts); this layer only knows sub-tags.
 */
import { ROTATION_SUBTAG } from './fsm-wire.js';

/** The cutovers a binary implements. */
export interface CutoverSupport {
  readonly storageEnvelopeCutover: boolean;
  readonly raftEnvelopeCutover: boolean;
}

/** The sub-tag whitelist (decoder and applier switch) of a binary with `support`. */
export function rotationSubtagsFor(support: CutoverSupport): ReadonlySet<number> {
  const subtags: number[] = [ROTATION_SUBTAG.rotateDek];
  if (support.storageEnvelopeCutover) subtags.push(ROTATION_SUBTAG.enableStorageEnvelope);
  if (support.raftEnvelopeCutover) subtags.push(ROTATION_SUBTAG.enableRaftEnvelope);
  return new Set(subtags);
}
