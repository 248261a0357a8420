import { describe, expect, it } from 'vitest';
import { parseTestOptions } from '../../harness/cli/index.js';
import { Random } from '../../harness/generator/index.js';
import { requiredEntryKinds, stageSuiteProblems } from '../../harness/matrix/index.js';
import type { RolloutAction } from '../../harness/rollout/index.js';
import type { Scenario } from '../../harness/scenario/index.js';
import { scenarioRegistry, stageSuiteRegistry, stageSuiteScenarios, suiteScenarioRegistry } from './index.js';
import { rolloutStages } from './stage-suite-scenarios.js';

type Stage = (typeof rolloutStages)[number];
const order = (stage: string): number => rolloutStages.indexOf(stage as Stage);

/** The stage each step needs on the node that proposes it and on every node that applies its entry (spec §7.1, §7.8). */
const neededStage: Partial<Record<RolloutAction['f'], Stage>> = {
  bootstrap: '6B',
  'rotate-dek': '6B',
  'enable-storage-envelope': '6D',
  'enable-raft-envelope': '6E',
};

interface Simulated {
  /** Each node's stage after the program. */
  readonly stages: Record<string, string>;
  /** The rollout steps, in order (no awaits). */
  readonly steps: string[];
  /** Steps some member's stage could not apply: `f` and the nodes below it. */
  readonly belowStage: { readonly f: string; readonly nodes: readonly string[] }[];
  /** Downgrades below what the cluster already committed: `node → stage` after `step`. */
  readonly forbiddenDowngrades: string[];
}

/** Walks a scenario's program (seed 101) tracking each node's stage and what the cluster committed. */
function simulate(scenario: Scenario, seed = 101): Simulated {
  const context = {
    nodes: scenario.defaults.nodes,
    joiners: scenario.defaults.joiners,
    timeLimitMs: scenario.defaults.timeLimitMs,
    random: new Random(seed),
  };
  const program = scenario.program(context);
  const stages: Record<string, string> = Object.fromEntries(
    scenario.defaults.nodes.map((n) => [n, scenario.defaults.stages[n] ?? '6F']),
  );
  const members = new Set(scenario.defaults.nodes.filter((n) => !scenario.defaults.joiners.includes(n)));
  let committedNeeds: Stage = '6A';
  const steps: string[] = [];
  const belowStage: Simulated['belowStage'] = [];
  const forbiddenDowngrades: string[] = [];
  for (const { action } of program.steps) {
    if (action.f === 'await') continue;
    steps.push(action.f === 'rotate-dek' ? `rotate-dek ${action.purpose}` : action.f);
    if (action.f === 'upgrade-stage') {
      if (order(action.stage) < order(committedNeeds)) forbiddenDowngrades.push(`${action.node} → ${action.stage}`);
      stages[action.node] = action.stage;
    }
    if (action.f === 'add-learner') members.add(action.node);
    if (action.f === 'remove') members.delete(action.node);
    if (action.f === 'restart' && action.extraFlags?.includes('--rotate-on-startup') === true) {
      for (const node of action.nodes === 'all' ? [...members] : action.nodes.map((n) => ('id' in n ? n.id : ''))) {
        if (order(stages[node] ?? '') < order('6F')) belowStage.push({ f: 'rotate-on-startup', nodes: [node] });
      }
    }
    const needs = neededStage[action.f];
    if (needs !== undefined) {
      const below = [...members].filter((n) => order(stages[n] ?? '') < order(needs));
      if (below.length > 0) belowStage.push({ f: action.f, nodes: below });
      if (order(needs) > order(committedNeeds)) committedNeeds = needs;
    }
  }
  return { stages, steps, belowStage, forbiddenDowngrades };
}

const suites = [...stageSuiteRegistry.values()];
const cutoverSteps = (s: Simulated): string[] => s.steps.filter((f) => f in neededStage || f.startsWith('rotate-dek'));

describe('the stage suites: registry', () => {
  it('has a suite per stage 6A…6F, in ladder order, each upgrading from the stage before', () => {
    expect([...stageSuiteRegistry.keys()]).toEqual(['6A', '6B', '6C', '6D', '6E', '6F']);
    expect(suites.map((s) => s.previous)).toEqual([null, '6A', '6B', '6C', '6D', '6E']);
  });

  it('every suite has every required kind of entry or says why not, and names only scenarios that exist', () => {
    for (const suite of suites)
      expect(
        stageSuiteProblems(suite, (name) => scenarioRegistry.has(name)),
        suite.stage,
      ).toEqual([]);
    expect(requiredEntryKinds).toEqual(['steady', 'upgrade', 'downgrade', 'restarts', 'membership']);
  });

  it('6A has no previous stage: no upgrade or downgrade, and the list says so; every later stage has both', () => {
    const a = stageSuiteRegistry.get('6A')!;
    expect(a.omitted.map((o) => o.kind).sort()).toEqual(['downgrade', 'mixed-halt', 'upgrade']);
    expect(a.omitted.find((o) => o.kind === 'upgrade')!.reason).toContain('no previous stage');
    for (const suite of suites.slice(1)) {
      expect(suite.entries.map((e) => e.kind)).toEqual(
        expect.arrayContaining(['steady', 'upgrade', 'downgrade', 'restarts', 'membership']),
      );
      expect(suite.downgradeRule.length, suite.stage).toBeGreaterThan(30);
    }
  });

  it('the stages whose new step halts an older binary (6B, 6D, 6E) run the mixed cluster that halts; the others say why there is none', () => {
    const withHalt = suites.filter((s) => s.entries.some((e) => e.kind === 'mixed-halt')).map((s) => s.stage);
    expect(withHalt).toEqual(['6B', '6D', '6E']);
    expect(stageSuiteRegistry.get('6E')!.downgradeRule).toContain('no downgrade below 6E after Phase 2');
  });

  it("registers every suite scenario for `ekv-jepsen scenarios` and `test --scenario`, outside the test suite's scenarios", () => {
    const named = suites.flatMap((s) => s.entries.map((e) => e.scenario));
    expect(new Set(named).size).toBe(named.length);
    expect(stageSuiteScenarios.map((s) => s.name).sort()).toEqual([...named].sort());
    for (const name of named) {
      expect(scenarioRegistry.get(name)?.name).toBe(name);
      expect(suiteScenarioRegistry.has(name)).toBe(false);
    }
    expect(scenarioRegistry.size).toBe(suiteScenarioRegistry.size + named.length);
  });

  it('`ekv-jepsen test --scenario <name>` resolves each alone: its nodes, their stages, joiners and time limit', () => {
    const environment = {
      clockUnavailableReason: null,
      workloads: ['rollout', 'register'],
      scenarios: scenarioRegistry,
    };
    for (const scenario of stageSuiteScenarios) {
      const { config } = parseTestOptions(['--scenario', scenario.name, '--seed', '101'], environment);
      expect(config.scenario).toBe(scenario.name);
      expect(config.nodes).toEqual(scenario.defaults.nodes);
      expect(config.joiners).toEqual(scenario.defaults.joiners);
      expect(config.timeLimitMs).toBe(scenario.defaults.timeLimitMs);
      for (const node of config.nodes) {
        const flags = config.nodeFlags[node] ?? [];
        expect(flags.slice(flags.indexOf('--stage'), flags.indexOf('--stage') + 2), `${scenario.name} ${node}`).toEqual(
          ['--stage', scenario.defaults.stages[node]],
        );
      }
    }
  });
});

describe('the stage suites: programs', () => {
  const scenarioOf = (stage: string, kind: string): Scenario => {
    const entry = stageSuiteRegistry.get(stage)!.entries.find((e) => e.kind === kind)!;
    return scenarioRegistry.get(entry.scenario)!;
  };

  it('every program builds, deterministically per seed', () => {
    for (const scenario of stageSuiteScenarios) {
      const context = (seed: number) => ({
        nodes: scenario.defaults.nodes,
        joiners: scenario.defaults.joiners,
        timeLimitMs: scenario.defaults.timeLimitMs,
        random: new Random(seed),
      });
      expect(scenario.program(context(101)), scenario.name).toEqual(scenario.program(context(101)));
      expect(scenario.program(context(102)).steps.length, scenario.name).toBeGreaterThan(0);
    }
  });

  it("no entry but mixed-halt runs a step a member's stage cannot apply, nor downgrades below what the cluster committed", () => {
    for (const scenario of stageSuiteScenarios.filter((s) => !s.name.endsWith('-mixed-halt'))) {
      for (const seed of [101, 102, 103]) {
        const run = simulate(scenario, seed);
        expect(run.belowStage, `${scenario.name} seed ${seed}`).toEqual([]);
        expect(run.forbiddenDowngrades, `${scenario.name} seed ${seed}`).toEqual([]);
      }
    }
  });

  it('steady: every node stays at the stage and takes exactly the steps it makes possible', () => {
    const expected: Record<string, string[]> = {
      '6A': [],
      '6B': ['bootstrap'],
      '6C': ['bootstrap'],
      '6D': ['bootstrap', 'enable-storage-envelope', 'enable-storage-envelope'],
      '6E': [
        'bootstrap',
        'enable-storage-envelope',
        'enable-raft-envelope',
        'enable-raft-envelope',
        'rotate-dek storage',
        'rotate-dek raft',
      ],
      '6F': ['bootstrap', 'enable-storage-envelope', 'enable-raft-envelope', 'rotate-dek storage', 'rotate-dek raft'],
    };
    for (const stage of rolloutStages) {
      const run = simulate(scenarioOf(stage, 'steady'));
      expect(cutoverSteps(run), stage).toEqual(expected[stage]);
      expect(new Set(Object.values(run.stages)), stage).toEqual(new Set([stage]));
      expect(run.steps.includes('upgrade-stage'), stage).toBe(false);
    }
    expect(simulate(scenarioOf('6F', 'steady')).steps).toContain('restart');
  });

  it('upgrade: every node starts at the previous stage, the upgrade is one node at a time, the new step comes after the last upgrade', () => {
    const newStep: Record<string, string> = {
      '6B': 'bootstrap',
      '6C': 'restart',
      '6D': 'enable-storage-envelope',
      '6E': 'enable-raft-envelope',
      '6F': 'restart',
    };
    for (const stage of rolloutStages.slice(1)) {
      const scenario = scenarioOf(stage, 'upgrade');
      const previous = stageSuiteRegistry.get(stage)!.previous!;
      expect(new Set(Object.values(scenario.defaults.stages)), stage).toEqual(new Set([previous]));
      const run = simulate(scenario);
      expect(new Set(Object.values(run.stages)), stage).toEqual(new Set([stage]));
      expect(
        run.steps.filter((f) => f === 'upgrade-stage'),
        stage,
      ).toHaveLength(3);
      expect(run.steps.lastIndexOf('upgrade-stage'), stage).toBeLessThan(run.steps.lastIndexOf(newStep[stage]!));
      expect(run.steps.indexOf(newStep[stage]!), stage).toBeGreaterThan(run.steps.indexOf('upgrade-stage'));
    }
  });

  it("downgrade: up, back down to the previous stage and up again (9 restarts), before the stage's new step, ending at the stage", () => {
    for (const stage of rolloutStages.slice(1)) {
      const scenario = scenarioOf(stage, 'downgrade');
      const context = { nodes: scenario.defaults.nodes, joiners: [], timeLimitMs: 0, random: new Random(101) };
      const upgrades = scenario
        .program(context)
        .steps.flatMap((s) => (s.action.f === 'upgrade-stage' ? [s.action.stage] : []));
      const previous = stageSuiteRegistry.get(stage)!.previous!;
      expect(upgrades, stage).toEqual([
        ...Array<string>(3).fill(stage),
        ...Array<string>(3).fill(previous),
        ...Array<string>(3).fill(stage),
      ]);
      expect(new Set(Object.values(simulate(scenario).stages)), stage).toEqual(new Set([stage]));
    }
    // After Phase 2 only 6F may go back (to 6E); every other downgrade happens before its stage's new step.
    const sixF = simulate(scenarioOf('6F', 'downgrade'));
    expect(sixF.steps.indexOf('enable-raft-envelope')).toBeLessThan(sixF.steps.indexOf('upgrade-stage'));
    const sixE = simulate(scenarioOf('6E', 'downgrade'));
    expect(sixE.steps.indexOf('enable-raft-envelope')).toBeGreaterThan(sixE.steps.lastIndexOf('upgrade-stage'));
  });

  it('restarts: a rolling restart, a follower, the leader, then all nodes, each settled by registration and catch-up', () => {
    for (const stage of rolloutStages) {
      const scenario = scenarioOf(stage, 'restarts');
      const context = { nodes: scenario.defaults.nodes, joiners: [], timeLimitMs: 0, random: new Random(101) };
      const restarts = scenario.program(context).steps.flatMap((s) => (s.action.f === 'restart' ? [s.action] : []));
      expect(
        restarts.map((r) => [
          r.nodes === 'all' ? 'all' : r.nodes.map((n) => Object.keys(n)[0]).join(),
          r.mode,
          r.rolling,
        ]),
        stage,
      ).toEqual([
        ['all', 'kill', true],
        ['follower', 'kill', false],
        ['leader', 'stop', false],
        ['all', 'kill', false],
      ]);
      const steps = scenario.program(context).steps;
      for (const [i, step] of steps.entries()) {
        if (step.action.f !== 'restart' || step.action.rolling) continue;
        expect(step.holdFaults, stage).toContain('kill');
        const next = steps[i + 1]!.action;
        expect(next.f === 'await' && next.condition.kind, stage).toBe('all-registered');
      }
    }
  });

  it('membership: the joiner is at the stage, added as a learner, promoted, made leader, and n1 removed — without kill faults', () => {
    for (const stage of rolloutStages) {
      const scenario = scenarioOf(stage, 'membership');
      expect(scenario.defaults.joiners).toEqual(['n4']);
      expect(scenario.defaults.stages['n4']).toBe(stage);
      expect(scenario.defaults.nemesis).not.toContain('kill');
      const run = simulate(scenario);
      expect(
        run.steps.filter((f) => ['add-learner', 'promote', 'transfer-leadership', 'remove'].includes(f)),
        stage,
      ).toEqual(['add-learner', 'promote', 'transfer-leadership', 'remove']);
    }
  });

  it('mixed-halt: only the held-back node is below the new step, and its halt is the one declared expected', () => {
    const halts: Record<string, [string, string]> = {
      '6B': ['bootstrap', 'ErrKEKNotConfigured'],
      '6D': ['enable-storage-envelope', 'ErrFSMWireSubtag'],
      '6E': ['enable-raft-envelope', 'ErrFSMWireSubtag'],
    };
    for (const [stage, [step, error]] of Object.entries(halts)) {
      const scenario = scenarioOf(stage, 'mixed-halt');
      const run = simulate(scenario);
      expect(run.belowStage, stage).toEqual([{ f: step, nodes: ['n3'] }]);
      const context = { nodes: scenario.defaults.nodes, joiners: [], timeLimitMs: 0, random: new Random(101) };
      expect(scenario.expectations(context).expectedHalts, stage).toEqual([
        expect.objectContaining({ nodes: ['n3'], errors: [error] }),
      ]);
      expect(run.steps.at(-1), stage).toBe('restart');
    }
  });
});
