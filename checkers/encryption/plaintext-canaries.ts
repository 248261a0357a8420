// I1: no plaintext of a canary proposed above a cutover on any persistent
// surface. Storage (Phase 1): no cleartext MVCC record — live store or
// snapshot — holds such a canary's value. Raw bytes (Phase 2): no file of a
// data dir or sidecar holds the text of a canary proposed above the raft
// cutover. The Raft log shares the LevelDB files with the store, and log
// entries up to the raft cutover are cleartext by design (spec H6), so raw
// bytes prove a leak only for canaries above the raft cutover.
import { canaryKeyPrefix, pairOpIndex } from '../artifacts/index.js';
import type { CanaryWrite, Finding, MvccInspectView } from '../artifacts/index.js';
import type { EncryptionFacts } from './encryption-facts.js';
import { isAboveCutover } from './encryption-facts.js';
import { findHexTexts } from './hex-text-scan.js';

function asciiHex(text: string): string {
  let hex = '';
  for (let i = 0; i < text.length; i += 1) hex += text.charCodeAt(i).toString(16).padStart(2, '0');
  return hex;
}

/** The cleartext value of a record as text: `value`, else the ASCII of `valueHex`; undefined when inspect did not print it. */
function cleartextOf(record: MvccInspectView): { readonly text?: string; readonly hex?: string } | undefined {
  if (typeof record.value === 'string') return { text: record.value };
  if (record.valueHex !== undefined) return { hex: record.valueHex };
  return undefined;
}

function canaryFinding(canary: CanaryWrite, fields: Omit<Finding, 'invariant' | 'opIndex'>): Finding {
  return {
    invariant: 'I1',
    opIndex: pairOpIndex(canary.pair),
    ...fields,
    details: { key: canary.key, value: canary.value, ...(fields.details as object | undefined) },
  };
}

/** Storage: cleartext MVCC records holding a canary proposed above the storage cutover. */
export function checkStoragePlaintext(facts: EncryptionFacts): Finding[] {
  const above = facts.canaries.filter((canary) => isAboveCutover(canary, facts.storage));
  if (above.length === 0) return [];
  const byText = new Map(above.map((canary) => [canary.value, canary]));
  const byHex = new Map(above.map((canary) => [asciiHex(canary.value), canary]));
  const keysAbove = new Set(above.map((canary) => canary.key));
  const findings: Finding[] = [];
  const unprinted = new Set<string>();
  for (const { node, records } of facts.input.inspections) {
    for (const record of records) {
      if (record.kind !== 'mvcc' || record.encryptionState !== 'cleartext' || record.tombstone) continue;
      const clear = cleartextOf(record);
      if (clear === undefined) {
        if (record.key !== null && record.key.startsWith(canaryKeyPrefix) && keysAbove.has(record.key))
          unprinted.add(node);
        continue;
      }
      const canary = clear.text !== undefined ? byText.get(clear.text) : byHex.get(clear.hex ?? '');
      if (canary === undefined) continue;
      findings.push(
        canaryFinding(canary, {
          nodes: [node],
          message: `${node} holds the canary written to ${canary.key} after the storage cutover in cleartext (${record.source} record, commit ts ${record.commitTs}).`,
          details: { source: record.source, commitTs: record.commitTs },
        }),
      );
    }
  }
  for (const node of unprinted) {
    findings.push({
      invariant: 'I1',
      nodes: [node],
      undecided: true,
      message: `The inspection of ${node} has cleartext canary records without their values (inspect ran without --values), so storage plaintext cannot be ruled out.`,
    });
  }
  return findings;
}

/** Raw bytes: files holding the text of a canary proposed above the raft cutover. */
export function checkRawPlaintext(facts: EncryptionFacts): Finding[] {
  const above = facts.canaries.filter((canary) => isAboveCutover(canary, facts.raft));
  if (above.length === 0) return [];
  const byValue = new Map(above.map((canary) => [canary.value, canary]));
  const values = new Set(byValue.keys());
  const findings: Finding[] = [];
  for (const file of facts.input.files) {
    for (const match of findHexTexts(file.bytes, values)) {
      const canary = byValue.get(match.value);
      if (canary === undefined) continue;
      findings.push(
        canaryFinding(canary, {
          nodes: [file.node],
          path: file.path,
          message: `${file.path} (${file.node}) holds, in plain text at byte ${match.offset}, the canary written to ${canary.key} after the raft cutover.`,
          details: { offset: match.offset },
        }),
      );
    }
  }
  const scanned = new Set(facts.input.files.map((file) => file.node));
  for (const { node } of facts.input.inspections) {
    if (!scanned.has(node))
      findings.push({
        invariant: 'I1',
        nodes: [node],
        undecided: true,
        message: `No raw files of ${node} were collected, so its data dir cannot be scanned for canaries written after the raft cutover.`,
      });
  }
  return findings;
}
