// Builds an ArtifactCheckResult from a checker's findings, the same way for
// every rollout checker: any violation makes it invalid, otherwise anything
// undecided makes it unknown, otherwise it is valid.
import type { ArtifactCheckResult, ArtifactValidity, Finding } from './artifact-check-result.js';

/** At most this many findings of one rule are kept (the earliest); the rest are counted in `checked`. */
export const findingsPerRuleMax = 20;

/** What a checker hands to `artifactCheckResult`. */
export interface ArtifactResultParts {
  readonly findings: readonly Finding[];
  readonly checked: Readonly<Record<string, number>>;
  readonly notes?: readonly string[];
  /** The reason when valid: what was checked, one sentence. */
  readonly validReason: string;
}

function withoutFinalStop(sentence: string): string {
  return sentence.endsWith('.') ? sentence.slice(0, -1) : sentence;
}

/** The verdict of a set of findings. */
export function validityOf(findings: readonly Finding[]): ArtifactValidity {
  if (findings.some((finding) => finding.undecided !== true)) return false;
  return findings.length > 0 ? 'unknown' : true;
}

/** The result: violations first (in the order found), then what kept the checker from deciding. */
export function artifactCheckResult(parts: ArtifactResultParts): ArtifactCheckResult {
  const violations = parts.findings.filter((finding) => finding.undecided !== true);
  const undecided = parts.findings.filter((finding) => finding.undecided === true);
  const findings = [...violations, ...undecided];
  const valid = validityOf(findings);
  const notes = parts.notes !== undefined && parts.notes.length > 0 ? { notes: parts.notes } : {};
  if (valid === true) return { valid, reason: parts.validReason, findings: [], checked: parts.checked, ...notes };
  const [first] = valid === false ? violations : undecided;
  const others = (valid === false ? violations.length : undecided.length) - 1;
  const more =
    others > 0 ? ` (and ${others} more ${valid === false ? 'violation' : 'gap'}${others === 1 ? '' : 's'})` : '';
  const reason =
    valid === false
      ? `${withoutFinalStop(first?.message ?? 'a violation')}${more}.`
      : `Could not decide: ${withoutFinalStop(first?.message ?? 'data missing')}${more}.`;
  return { valid, reason, findings, checked: parts.checked, ...notes };
}

/** Keeps the first `findingsPerRuleMax` findings of a rule; `omitted` says how many were dropped. */
export function limitFindings(findings: readonly Finding[]): {
  readonly kept: readonly Finding[];
  readonly omitted: number;
} {
  if (findings.length <= findingsPerRuleMax) return { kept: findings, omitted: 0 };
  return { kept: findings.slice(0, findingsPerRuleMax), omitted: findings.length - findingsPerRuleMax };
}
