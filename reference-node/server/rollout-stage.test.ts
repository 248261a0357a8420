import { describe, expect, it } from 'vitest';
import { rotationSubtagsFor } from '../encryption/index.js';
import {
  notAtStage,
  parseRolloutStage,
  rolloutStages,
  stageBehaviour,
  stageIntroducing,
  type StageFeature,
} from './rollout-stage.js';

describe('rollout stage table (spec §7.1)', () => {
  it('parses stage names case-insensitively and refuses others', () => {
    expect(parseRolloutStage(' 6c ')).toBe('6C');
    expect(parseRolloutStage('6F')).toBe('6F');
    for (const bad of ['6G', '5D', '', '6', 'latest']) expect(parseRolloutStage(bad)).toBeUndefined();
  });

  // The ladder written out by hand, row per stage, so a change to the table has to change this too.
  const expected: Record<string, readonly StageFeature[]> = {
    '6A': [],
    '6B': ['kekFlags', 'mutators'],
    '6C': ['kekFlags', 'mutators', 'startupGuards'],
    '6D': ['kekFlags', 'mutators', 'startupGuards', 'storageEnvelopeCutover'],
    '6E': ['kekFlags', 'mutators', 'startupGuards', 'storageEnvelopeCutover', 'raftEnvelopeCutover'],
    '6F': ['kekFlags', 'mutators', 'startupGuards', 'storageEnvelopeCutover', 'raftEnvelopeCutover', 'rotateOnStartup'],
  };
  it.each(rolloutStages)('stage %s has exactly the features of its rung', (stage) => {
    const behaviour = stageBehaviour(stage);
    expect(Object.isFrozen(behaviour)).toBe(true);
    expect(behaviour.stage).toBe(stage);
    const on = (Object.keys(behaviour) as (keyof typeof behaviour)[]).filter(
      (k) => k !== 'stage' && behaviour[k] === true,
    );
    expect(on.sort()).toEqual([...(expected[stage] ?? [])].sort());
  });

  it('names the stage that introduced a feature', () => {
    expect(stageIntroducing('kekFlags')).toBe('6B');
    expect(stageIntroducing('startupGuards')).toBe('6C');
    expect(stageIntroducing('storageEnvelopeCutover')).toBe('6D');
    expect(stageIntroducing('raftEnvelopeCutover')).toBe('6E');
    expect(stageIntroducing('rotateOnStartup')).toBe('6F');
    expect(notAtStage('EnableRaftEnvelope', stageBehaviour('6D'), 'raftEnvelopeCutover')).toBe(
      'EnableRaftEnvelope is not available at stage 6D (introduced in 6E)',
    );
  });

  it('gives each stage the rotation sub-tags of its cutovers (an older binary halts on a newer sub-tag, §7.8)', () => {
    const subtags = (stage: (typeof rolloutStages)[number]): number[] =>
      [...rotationSubtagsFor(stageBehaviour(stage))].sort();
    expect(subtags('6A')).toEqual([1]);
    expect(subtags('6C')).toEqual([1]);
    expect(subtags('6D')).toEqual([1, 4]);
    expect(subtags('6E')).toEqual([1, 4, 5]);
    expect(subtags('6F')).toEqual([1, 4, 5]);
  });
});
