/**
 * Per-stage release validation (`ekv-jepsen validate-stage`): the suite a
 * release at one rollout stage must pass before it ships — its steady state,
 * the rolling upgrade from the previous stage, the downgrade and re-upgrade
 * where the spec allows one, restarts and membership changes at the stage,
 * all under faults — as suite entries, each one scenario run per seed.
 * Planning and judging are pure; running is the command's. The suites
 * themselves live in workloads/ (the launcher passes the registry down).
 */
import type { RunVerdict } from './bug-matrix.js';

/** What a suite entry proves about a stage. */
export type StageEntryKind = 'steady' | 'upgrade' | 'downgrade' | 'restarts' | 'membership' | 'mixed-halt';

/** The kinds every stage's suite must have (or say why not). */
export const requiredEntryKinds: readonly StageEntryKind[] = [
  'steady',
  'upgrade',
  'downgrade',
  'restarts',
  'membership',
];

/** One entry of a stage's suite: a scenario run once per seed, every run VALID to pass. */
export interface StageSuiteEntry {
  /** Unique within the suite (`steady`, `upgrade-6C-6D`, …). */
  readonly name: string;
  readonly kind: StageEntryKind;
  /** The scenario it runs (`ekv-jepsen test --scenario <scenario>` reproduces it alone). */
  readonly scenario: string;
  /** One line: what passing proves. */
  readonly proves: string;
  /** Where the spec requires it (`encryption-rollout.md §7.8`). */
  readonly spec: string;
  /** Options added to `ekv-jepsen test --scenario <scenario> --seed <seed>`. */
  readonly options: readonly string[];
}

/** An entry kind a stage's suite leaves out, and why (the spec forbids it, or the stage has no previous one). */
export interface OmittedEntry {
  readonly kind: StageEntryKind;
  readonly reason: string;
}

/** The suite of one stage. */
export interface StageSuite {
  /** `6A` … `6F`. */
  readonly stage: string;
  /** The stage a release at this stage upgrades from (null: 6A, the first). */
  readonly previous: string | null;
  /** One line: what the stage adds (spec §7.1). */
  readonly adds: string;
  /** When a downgrade to the previous stage is still allowed, and why not after (spec §7.7, §7.8). */
  readonly downgradeRule: string;
  readonly entries: readonly StageSuiteEntry[];
  readonly omitted: readonly OmittedEntry[];
}

/** The suites by stage, in ladder order (the launcher wires them in). */
export type StageSuiteRegistry = ReadonlyMap<string, StageSuite>;

/** One harness run of a validation. */
export interface StageRunSpec {
  /** Unique within the validation: the run's `--name` in the store. */
  readonly name: string;
  readonly entry: string;
  readonly scenario: string;
  readonly seed: number;
  /** The `ekv-jepsen` arguments (without --store and --name). */
  readonly args: readonly string[];
}

/** A run that ended. */
export interface StageRun extends StageRunSpec {
  readonly exitCode: number | null;
  readonly verdict: RunVerdict;
  /** Checkers whose verdict was false. */
  readonly fired: readonly string[];
  readonly reason: string | null;
  readonly runDir: string | null;
  readonly wallSeconds: number;
}

/** The runs of `suite` × `seeds`; `extraArgs` (backend, --bug) go after each entry's own options. */
export function planStageSuite(
  suite: StageSuite,
  seeds: readonly number[],
  extraArgs: readonly string[],
): StageRunSpec[] {
  return suite.entries.flatMap((entry) =>
    seeds.map((seed) => ({
      name: `${suite.stage}-${entry.name}-s${seed}`,
      entry: entry.name,
      scenario: entry.scenario,
      seed,
      args: ['test', '--scenario', entry.scenario, '--seed', String(seed), ...entry.options, ...extraArgs],
    })),
  );
}

/** One line of the verdict table. */
export interface StageRow {
  readonly entry: string;
  readonly kind: StageEntryKind;
  readonly scenario: string;
  readonly seeds: number;
  readonly passed: number;
  /** Each run's verdict in seed order (`VALID`, `INVALID (halt-apply)`, …). */
  readonly verdicts: readonly string[];
  readonly runDirs: readonly (string | null)[];
  readonly pass: boolean;
}

export interface StageSummary {
  readonly stage: string;
  readonly rows: readonly StageRow[];
  readonly pass: boolean;
}

/** Judges the runs: an entry passes when it ran for every seed and every run is VALID (its scenario's expectations included). */
export function summarizeStageSuite(
  suite: StageSuite,
  seeds: readonly number[],
  runs: readonly StageRun[],
): StageSummary {
  const rows = suite.entries.map((entry): StageRow => {
    const own = runs.filter((r) => r.entry === entry.name).sort((a, b) => a.seed - b.seed);
    const passed = own.filter((r) => r.verdict === 'valid').length;
    return {
      entry: entry.name,
      kind: entry.kind,
      scenario: entry.scenario,
      seeds: seeds.length,
      passed,
      verdicts: own.map((r) => `${r.verdict.toUpperCase()}${r.fired.length === 0 ? '' : ` (${r.fired.join(', ')})`}`),
      runDirs: own.map((r) => r.runDir),
      pass: own.length === seeds.length && passed === seeds.length,
    };
  });
  return { stage: suite.stage, rows, pass: rows.every((r) => r.pass) };
}

/** The verdict table; run directories are shown relative to `baseDir` when inside it. */
export function stageTable(summary: StageSummary, baseDir: string): string {
  const relative = (dir: string | null): string =>
    dir === null ? '-' : dir.startsWith(`${baseDir}/`) ? dir.slice(baseDir.length + 1) : dir;
  const header = ['entry', 'scenario', 'seeds passed', 'verdicts', 'run dirs'];
  const lines = summary.rows.map((r) => [
    r.entry,
    r.scenario,
    `${r.passed}/${r.seeds}`,
    r.verdicts.length === 0 ? 'NOT RUN' : r.verdicts.join(', '),
    r.runDirs.length === 0 ? '-' : r.runDirs.map(relative).join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const format = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const failing = summary.rows.filter((r) => !r.pass).length;
  const verdict = summary.pass
    ? `stage ${summary.stage}: every entry VALID in every seed (${summary.rows.length} entries)`
    : `stage ${summary.stage}: ${failing} of ${summary.rows.length} entries not VALID in every seed`;
  return `${[format(header), ...lines.map(format)].join('\n')}\n${verdict}\n`;
}

/** What `validate-stage --list` prints for one suite. */
export function describeStageSuite(suite: StageSuite): string {
  const lines = [
    `${suite.stage} (${suite.previous === null ? 'the first stage: no previous one' : `upgrades from ${suite.previous}`}): ${suite.adds}`,
    ...(suite.previous === null ? [] : [`  downgrade to ${suite.previous}: ${suite.downgradeRule}`]),
  ];
  const width = Math.max(...suite.entries.map((e) => e.name.length));
  const scenarioWidth = Math.max(...suite.entries.map((e) => e.scenario.length));
  for (const e of suite.entries)
    lines.push(`  ${e.name.padEnd(width)}  ${e.scenario.padEnd(scenarioWidth)}  ${e.proves} [${e.spec}]`);
  for (const o of suite.omitted) lines.push(`  no ${o.kind}: ${o.reason}`);
  return `${lines.join('\n')}\n`;
}

/** Checks a suite's shape (entry names unique, every required kind present or omitted with a reason, scenarios known); returns the problems. */
export function stageSuiteProblems(suite: StageSuite, scenarioExists: (name: string) => boolean): string[] {
  const problems: string[] = [];
  const names = suite.entries.map((e) => e.name);
  if (new Set(names).size !== names.length) problems.push(`${suite.stage}: entry names are not unique`);
  for (const kind of requiredEntryKinds) {
    const present = suite.entries.some((e) => e.kind === kind);
    const omitted = suite.omitted.filter((o) => o.kind === kind);
    if (!present && omitted.length === 0) problems.push(`${suite.stage}: no ${kind} entry and no reason why not`);
    if (present && omitted.length > 0) problems.push(`${suite.stage}: ${kind} is both present and omitted`);
  }
  for (const o of suite.omitted)
    if (o.reason.trim().length < 20) problems.push(`${suite.stage}: omitted ${o.kind} needs a reason`);
  for (const e of suite.entries)
    if (!scenarioExists(e.scenario)) problems.push(`${suite.stage}/${e.name}: unknown scenario ${e.scenario}`);
  return problems;
}
