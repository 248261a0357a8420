import { describe, expect, it } from 'vitest';
import { parseTestOptions } from '../../harness/cli/index.js';
import { Random } from '../../harness/generator/index.js';
import { initialNodeFlags } from '../../harness/runner/index.js';
import { describeAction } from '../../harness/rollout/index.js';
import { bugCaseRegistry } from '../catalogue/index.js';
import { scenarioRegistry } from './index.js';
import { incapableLearnerScenario } from './membership-scenarios.js';

const scenario = incapableLearnerScenario;
const context = (seed: number) => ({
  nodes: scenario.defaults.nodes,
  joiners: scenario.defaults.joiners,
  timeLimitMs: scenario.defaults.timeLimitMs,
  random: new Random(seed),
});

describe('incapable-learner (B21)', () => {
  it('starts the learner without encryption flags: not encryption-capable (no sidecar path), the voters encrypted', () => {
    const environment = {
      clockUnavailableReason: null,
      workloads: ['rollout', 'register'],
      scenarios: scenarioRegistry,
    };
    const { config } = parseTestOptions(['--scenario', scenario.name, '--seed', '101'], environment);
    expect(config.joiners).toEqual(['n4']);
    expect(config.encryptionNodes).toEqual(['n1', 'n2', 'n3']);
    expect(initialNodeFlags(config, '/run', 'n4')).not.toContain('--sidecar-path');
    expect(initialNodeFlags(config, '/run', 'n4')).not.toContain('--encryption-enabled');
    for (const voter of ['n1', 'n2', 'n3'])
      expect(initialNodeFlags(config, '/run', voter), voter).toContain('--sidecar-path');
    // No fault that can make a voter unreachable: the fan-out would refuse for that reason instead.
    expect(config.faults.every((f) => f.startsWith('clock'))).toBe(true);
  });

  it('adds the learner once a snapshot covers the bootstrap, sends Phase 1 that must be refused, removes the learner, then Phase 1 again', () => {
    const program = scenario.program(context(101));
    expect(program).toEqual(scenario.program(context(101)));
    expect(program.steps.map((s) => describeAction(s.action))).toEqual([
      'await leader',
      'bootstrap',
      'await snapshot covers s2',
      'add-learner n4',
      'await n4 is a learner',
      'await caught-up',
      'enable-storage-envelope',
      'remove n4',
      'enable-storage-envelope',
      'await all-registered',
      'await caught-up',
    ]);
    const [refused, again] = program.steps.filter((s) => s.action.f === 'enable-storage-envelope');
    expect(refused?.mustBeRefused).toMatchObject({ errors: ['EncryptionFailedPrecondition'], invariant: 'I3' });
    expect(again?.mustBeRefused).toBeUndefined();
  });

  it('is the scenario of case B21, caught by the safety checkers', () => {
    expect(bugCaseRegistry.get('B21')).toMatchObject({
      scenario: scenario.name,
      caughtBy: ['halt-apply', 'encryption'],
    });
  });
});
