/**
 * Which rotation sub-tags each emulated rollout stage knows (spec §7.1,
 * §7.8): enable-storage-envelope (0x04) arrived in 6D, enable-raft-envelope
 * (0x05) in 6E. An older binary receiving a newer sub-tag halts with
 * ErrFSMWireSubtag — the real mixed-version behaviour.
 */
import { ROTATION_SUBTAG } from './fsm-wire.js';

const ROTATE_ONLY: ReadonlySet<number> = new Set([ROTATION_SUBTAG.rotateDek]);
const THROUGH_6D: ReadonlySet<number> = new Set([ROTATION_SUBTAG.rotateDek, ROTATION_SUBTAG.enableStorageEnvelope]);
const LATEST: ReadonlySet<number> = new Set([ROTATION_SUBTAG.rotateDek, ROTATION_SUBTAG.enableStorageEnvelope, ROTATION_SUBTAG.enableRaftEnvelope]);

/** The sub-tag whitelist (decoder and applier switch) of a stage "6A".."6F". */
export function rotationSubtagsForStage(stage: string): ReadonlySet<number> {
  switch (stage.toUpperCase()) {
    case '6A':
    case '6B':
    case '6C':
      return ROTATE_ONLY;
    case '6D':
      return THROUGH_6D;
    case '6E':
    case '6F':
      return LATEST;
    default:
      throw new Error(`unknown rollout stage ${JSON.stringify(stage)}; expected 6A..6F`);
  }
}
