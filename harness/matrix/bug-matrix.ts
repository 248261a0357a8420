/**
 * The bug matrix: for every catalogued bug, its scenario run once per seed
 * with the switch and once without (the control, shared by the bugs of one
 * scenario and seed); then, per bug, how many seeds caught it, by which
 * checker, how soon in the history, and whether every control was VALID.
 * Planning and judging are pure; running is the `bugs` command's.
 */
import type { BugCase } from './bug-case.js';
import { compareIds } from './bug-case.js';

/** One harness run the matrix makes. */
export interface MatrixRunSpec {
  /** Unique within the matrix: the run's `--name` in the store. */
  readonly name: string;
  /** The bug it runs with (null: a control, on the correct node). */
  readonly caseId: string | null;
  readonly scenario: string;
  readonly seed: number;
  /** The `ekv-jepsen` arguments (without --store and --name). */
  readonly args: readonly string[];
  /** The control this run is compared with (null: a control itself, or a hazard's run). */
  readonly control: string | null;
}

export type RunVerdict = 'valid' | 'invalid' | 'unknown' | 'error';

/** A run that ended: its verdict, which checkers said INVALID, how soon. */
export interface MatrixRun extends MatrixRunSpec {
  readonly exitCode: number | null;
  readonly verdict: RunVerdict;
  /** Checkers whose verdict was false. */
  readonly fired: readonly string[];
  /** Seconds from the test's start to the first op a firing checker names (null: none named). */
  readonly detectionSeconds: number | null;
  /** The first firing checker's reason, one line. */
  readonly reason: string | null;
  readonly runDir: string | null;
  readonly wallSeconds: number;
}

/** The runs for `cases` × `seeds` (controls deduplicated per scenario, options and seed). */
export function planMatrix(
  cases: readonly BugCase[],
  seeds: readonly number[],
  backendArgs: readonly string[],
): MatrixRunSpec[] {
  const controls = new Map<string, MatrixRunSpec>();
  const bugRuns: MatrixRunSpec[] = [];
  for (const bug of [...cases].sort((a, b) => compareIds(a.id, b.id))) {
    for (const seed of seeds) {
      const args = ['test', '--scenario', bug.scenario, '--seed', String(seed), ...bug.options, ...backendArgs];
      let control: string | null = null;
      if (bug.hazard !== true) {
        const key = JSON.stringify([bug.scenario, bug.options, seed]);
        const existing = controls.get(key);
        const spec = existing ?? {
          name: `control-${bug.scenario}-${controls.size + 1}-s${seed}`,
          caseId: null,
          scenario: bug.scenario,
          seed,
          args,
          control: null,
        };
        controls.set(key, spec);
        control = spec.name;
      }
      bugRuns.push({
        name: `${bug.id}-s${seed}`,
        caseId: bug.id,
        scenario: bug.scenario,
        seed,
        args: bug.hazard === true ? args : [...args, '--bug', bug.id],
        control,
      });
    }
  }
  return [...controls.values(), ...bugRuns];
}

/** One line of the matrix. */
export interface MatrixRow {
  readonly id: string;
  readonly summary: string;
  readonly scenario: string;
  readonly hazard: boolean;
  readonly seeds: number;
  readonly detected: number;
  readonly detectedShare: number;
  /** How many detecting runs each checker fired in (only checkers the case names). */
  readonly caughtBy: Readonly<Record<string, number>>;
  /** Seconds to detection over the detecting runs. */
  readonly detectionSeconds: { readonly min: number; readonly median: number } | null;
  /** Verdicts of the row's controls (null: a hazard, no control). */
  readonly controls: { readonly valid: number; readonly total: number; readonly notValid: readonly string[] } | null;
  readonly pass: boolean;
  /** Why it did not pass. */
  readonly problem: string | null;
}

export interface MatrixSummary {
  readonly rows: readonly MatrixRow[];
  readonly pass: boolean;
  /** Runs that did not end in a verdict (crash, usage error) or were interrupted. */
  readonly incomplete: number;
}

/** Judges finished runs against the cases (a case without runs is reported as such). */
export function summarizeMatrix(cases: readonly BugCase[], runs: readonly MatrixRun[]): MatrixSummary {
  const byName = new Map(runs.map((r) => [r.name, r]));
  const rows = [...cases]
    .sort((a, b) => compareIds(a.id, b.id))
    .map((bug): MatrixRow => {
      const own = runs.filter((r) => r.caseId === bug.id);
      const detecting = own.filter((r) => r.verdict === 'invalid' && r.fired.some((c) => bug.caughtBy.includes(c)));
      const caughtBy: Record<string, number> = {};
      for (const r of detecting)
        for (const c of r.fired) if (bug.caughtBy.includes(c)) caughtBy[c] = (caughtBy[c] ?? 0) + 1;
      const seconds = detecting
        .map((r) => r.detectionSeconds)
        .filter((s): s is number => s !== null)
        .sort((a, b) => a - b);
      const controlRuns =
        bug.hazard === true
          ? null
          : [...new Set(own.map((r) => r.control).filter((c): c is string => c !== null))].map((name) =>
              byName.get(name),
            );
      const controls =
        controlRuns === null
          ? null
          : {
              valid: controlRuns.filter((c) => c?.verdict === 'valid').length,
              total: controlRuns.length,
              notValid: controlRuns
                .filter((c) => c !== undefined && c.verdict !== 'valid')
                .map((c) => `${c!.name}: ${c!.verdict}${c!.reason === null ? '' : ` (${c!.reason})`}`),
            };
      const problems: string[] = [];
      if (own.length === 0) problems.push('no run');
      else if (detecting.length < Math.ceil(bug.detectedShare * own.length - 1e-9))
        problems.push(
          `caught in ${detecting.length} of ${own.length} seeds, below the declared ${Math.round(bug.detectedShare * 100)}%`,
        );
      if (controls !== null && controlRuns!.some((c) => c === undefined)) problems.push('a control did not run');
      if (controls !== null && controls.valid < controls.total)
        problems.push(`${controls.total - controls.valid} of ${controls.total} controls not VALID`);
      return {
        id: bug.id,
        summary: bug.summary,
        scenario: bug.scenario,
        hazard: bug.hazard === true,
        seeds: own.length,
        detected: detecting.length,
        detectedShare: bug.detectedShare,
        caughtBy,
        detectionSeconds:
          seconds.length === 0
            ? null
            : { min: seconds[0] as number, median: seconds[Math.floor((seconds.length - 1) / 2)] as number },
        controls,
        pass: problems.length === 0,
        problem: problems.length === 0 ? null : problems.join('; '),
      };
    });
  return { rows, pass: rows.every((r) => r.pass), incomplete: runs.filter((r) => r.verdict === 'error').length };
}

/** The matrix as a table a person reads in a terminal. */
export function matrixTable(summary: MatrixSummary): string {
  const header = ['bug', 'scenario', 'detected', 'caught by', 's to first failing op', 'control', ''];
  const lines = summary.rows.map((r) => [
    r.id,
    r.scenario,
    `${r.detected}/${r.seeds}`,
    Object.entries(r.caughtBy)
      .map(([c, n]) => (n === r.detected ? c : `${c} ${n}`))
      .join(', ') || '-',
    r.detectionSeconds === null
      ? '-'
      : r.detectionSeconds.min === r.detectionSeconds.median
        ? r.detectionSeconds.min.toFixed(1)
        : `${r.detectionSeconds.min.toFixed(1)} (median ${r.detectionSeconds.median.toFixed(1)})`,
    r.controls === null
      ? 'hazard: none'
      : r.controls.valid === r.controls.total
        ? `VALID ${r.controls.valid}/${r.controls.total}`
        : `NOT VALID ${r.controls.total - r.controls.valid}/${r.controls.total}`,
    r.pass ? 'ok' : `FAIL: ${r.problem ?? ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const format = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const failing = summary.rows.filter((r) => !r.pass).length;
  const verdict = summary.pass
    ? `every bug caught, every control VALID (${summary.rows.length} bugs)`
    : `${failing} of ${summary.rows.length} bugs not proven`;
  return `${[format(header), ...lines.map(format)].join('\n')}\n${verdict}\n`;
}
