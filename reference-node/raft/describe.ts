/**
 * The one text form of messages, entries and Readys, shared by logs and the
 * scenario tests (testdata/*.txt). Stable: changing it rewrites expectations.
 */
import { decodeConfChange } from './conf-change.js';
import { RaftCodecError } from './errors.js';
import { MessageType, type Message } from './message.js';
import type { Ready } from './ready.js';
import { EntryType, type Entry, type HardState, type Snapshot } from './types.js';

const utf8Decoder = new TextDecoder();

/** Printable form of opaque bytes: the text if it is printable ASCII, else hex. */
export function describeBytes(data: Uint8Array): string {
  if (data.length === 0) return '';
  const printable = data.every((b) => b >= 0x20 && b < 0x7f && b !== 0x22);
  if (printable) return `"${utf8Decoder.decode(data)}"`;
  return `0x${[...data].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** `1/5 EntryNormal "x"` or `1/3 EntryConfChange addVoter n2`. */
export function describeEntry(e: Entry): string {
  if (e.type === EntryType.ConfChange) {
    try {
      const cc = decodeConfChange(e.data);
      return `${e.term}/${e.index} EntryConfChange ${cc.type} ${cc.nodeId}`;
    } catch (error) {
      if (error instanceof RaftCodecError)
        return `${e.term}/${e.index} EntryConfChange <garbage ${describeBytes(e.data)}>`;
      throw error;
    }
  }
  const data = describeBytes(e.data);
  return `${e.term}/${e.index} EntryNormal${data === '' ? '' : ` ${data}`}`;
}

export function describeEntries(entries: readonly Entry[]): string {
  return `[${entries.map(describeEntry).join(', ')}]`;
}

export function describeSnapshot(s: Snapshot): string {
  const { index, term, confState } = s.metadata;
  return `snapshot{index:${index} term:${term} voters:[${confState.voters.join(' ')}] learners:[${confState.learners.join(' ')}]}`;
}

export function describeHardState(hs: HardState): string {
  return `term:${hs.term} vote:${hs.vote ?? '-'} commit:${hs.commit}`;
}

/** `n1->n2 Append term:2 log:1/5 commit:5 entries:[…]` — only the fields the type uses. */
export function describeMessage(m: Message): string {
  const parts = [`${m.from}->${m.to}`, MessageType[m.type], `term:${m.term}`];
  switch (m.type) {
    case MessageType.Append:
      parts.push(`log:${m.logTerm}/${m.index}`, `commit:${m.commit}`);
      if (m.entries.length > 0) parts.push(`entries:${describeEntries(m.entries)}`);
      break;
    case MessageType.AppendResponse:
      parts.push(`index:${m.index}`);
      if (m.reject) parts.push(`rejected (hint: ${m.rejectHint}/${m.logTerm})`);
      break;
    case MessageType.Vote:
    case MessageType.PreVote:
      parts.push(`last:${m.logTerm}/${m.index}`);
      if (m.context.length > 0) parts.push('transfer');
      break;
    case MessageType.VoteResponse:
    case MessageType.PreVoteResponse:
      parts.push(m.reject ? 'rejected' : 'granted');
      break;
    case MessageType.Snapshot:
      if (m.snapshot !== null) parts.push(describeSnapshot(m.snapshot));
      break;
    case MessageType.Heartbeat:
      parts.push(`commit:${m.commit}`);
      if (m.context.length > 0) parts.push(`ctx:${describeBytes(m.context)}`);
      break;
    case MessageType.HeartbeatResponse:
      if (m.context.length > 0) parts.push(`ctx:${describeBytes(m.context)}`);
      break;
    case MessageType.ReadIndex:
    case MessageType.TransferLeader:
      parts.push(describeBytes(m.context));
      break;
    case MessageType.ReadIndexResponse:
      parts.push(`index:${m.index}`, describeBytes(m.context));
      break;
    case MessageType.TimeoutNow:
      break;
  }
  return parts.join(' ');
}

/** A multi-line description of a Ready (empty sections omitted). */
export function describeReady(rd: Ready): string {
  const lines: string[] = [];
  if (rd.softState !== undefined) lines.push(`softState: lead:${rd.softState.leader ?? '-'} role:${rd.softState.role}`);
  if (rd.hardState !== undefined) lines.push(`hardState: ${describeHardState(rd.hardState)}`);
  if (rd.snapshot !== undefined) lines.push(`snapshot: ${describeSnapshot(rd.snapshot)}`);
  if (rd.entries.length > 0) lines.push(`entries: ${describeEntries(rd.entries)}`);
  if (rd.committedEntries.length > 0) lines.push(`committed: ${describeEntries(rd.committedEntries)}`);
  for (const rs of rd.readStates) lines.push(`readState: ${rs.requestId} index:${rs.index}`);
  for (const m of rd.messages) lines.push(`send: ${describeMessage(m)}`);
  if (rd.mustSync) lines.push('mustSync');
  return lines.join('\n');
}
