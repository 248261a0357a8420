/**
 * Single-server membership changes: their binary form (the data of an
 * `EntryType.ConfChange` entry) and their effect on a ConfState.
 */
import { ByteReader, ByteWriter } from './byte-codec.js';
import { RaftCodecError } from './errors.js';
import type { ConfChange, ConfChangeType, ConfState, NodeId } from './types.js';
import { asNodeId } from './types.js';

const confChangeVersion = 1;
const typeCodes: readonly ConfChangeType[] = ['addVoter', 'addLearner', 'promote', 'remove'];

/** Encodes a conf change as entry data. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const writer = new ByteWriter();
  writer.byte(confChangeVersion);
  writer.byte(typeCodes.indexOf(cc.type));
  writer.string(cc.nodeId);
  writer.bytes(cc.context);
  return writer.finish();
}

/** Decodes entry data written by {@link encodeConfChange}; throws only RaftCodecError. */
export function decodeConfChange(bytes: Uint8Array): ConfChange {
  const reader = new ByteReader(bytes);
  const version = reader.byte('conf change version');
  if (version !== confChangeVersion) throw new RaftCodecError(`unknown conf change version ${version}`, 0);
  const typeCode = reader.byte('conf change type');
  const type = typeCodes[typeCode];
  if (type === undefined) throw new RaftCodecError(`unknown conf change type ${typeCode}`, 1);
  const nodeId = reader.string('conf change node id');
  if (nodeId.length === 0) throw new RaftCodecError('conf change node id is empty', 2);
  const context = reader.bytes('conf change context');
  reader.end();
  return { type, nodeId: asNodeId(nodeId), context };
}

const sorted = (ids: Iterable<NodeId>): NodeId[] => [...ids].sort();

/**
 * The configuration after applying `cc` to `cs`. Total and deterministic (a
 * committed change must apply identically on every replica): changes that make
 * no sense for `cs` — adding an existing member in the same role, promoting a
 * voter, removing a non-member, demoting a voter through addLearner — leave it
 * unchanged. The leader refuses such proposals up front (see validateConfChange).
 */
export function applyConfChangeToConfState(cs: ConfState, cc: ConfChange): ConfState {
  const voters = new Set(cs.voters);
  const learners = new Set(cs.learners);
  switch (cc.type) {
    case 'addVoter':
    case 'promote':
      if (cc.type === 'promote' && !learners.has(cc.nodeId)) break;
      learners.delete(cc.nodeId);
      voters.add(cc.nodeId);
      break;
    case 'addLearner':
      if (!voters.has(cc.nodeId)) learners.add(cc.nodeId);
      break;
    case 'remove':
      voters.delete(cc.nodeId);
      learners.delete(cc.nodeId);
      break;
  }
  return { voters: sorted(voters), learners: sorted(learners) };
}

/** Why a proposed conf change is refused by the leader, or null when it is acceptable. */
export function validateConfChange(
  cs: ConfState,
  cc: ConfChange,
): { code: 'MemberExists' | 'UnknownMember' | 'InvalidConfChange'; reason: string } | null {
  const isVoter = cs.voters.includes(cc.nodeId);
  const isLearner = cs.learners.includes(cc.nodeId);
  switch (cc.type) {
    case 'addVoter':
      if (isVoter) return { code: 'MemberExists', reason: `${cc.nodeId} is already a voter` };
      return null;
    case 'addLearner':
      if (isVoter) return { code: 'MemberExists', reason: `${cc.nodeId} is a voter (demotion is not supported)` };
      if (isLearner) return { code: 'MemberExists', reason: `${cc.nodeId} is already a learner` };
      return null;
    case 'promote':
      if (isVoter) return { code: 'MemberExists', reason: `${cc.nodeId} is already a voter` };
      if (!isLearner) return { code: 'UnknownMember', reason: `${cc.nodeId} is not a learner` };
      return null;
    case 'remove':
      if (!isVoter && !isLearner) return { code: 'UnknownMember', reason: `${cc.nodeId} is not a member` };
      if (isVoter && cs.voters.length === 1) {
        return { code: 'InvalidConfChange', reason: `removing ${cc.nodeId} would leave no voters` };
      }
      return null;
  }
}
