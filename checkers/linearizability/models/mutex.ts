// knossos's mutex: acquire succeeds only when free, release only when held.
import { ModelInputError } from '../model.js';
import type { Model } from '../model.js';

/** Mutex operations. */
export type MutexInput = 'acquire' | 'release';

/** A mutex; the state is whether it is held. */
export function mutexModel(): Model<boolean, MutexInput, null> {
  return {
    name: 'mutex',
    init: () => false,
    step: (held, input) => {
      if (input === 'acquire') return held ? undefined : true;
      return held ? false : undefined;
    },
    equal: (a, b) => a === b,
    hash: (held) => (held ? 1 : 0),
    decode: (call) => {
      if (call.f !== 'acquire' && call.f !== 'release')
        throw new ModelInputError(`unsupported operation "${call.f}" (expected acquire or release)`);
      return { input: call.f, output: null };
    },
    inputKey: (input) => input,
    describeOperation: (input) => input,
    describeState: (held) => (held ? 'held' : 'free'),
    explainFailure: (held, input) =>
      input === 'acquire'
        ? `can't acquire a mutex that is ${held ? 'held' : 'free'}`
        : `can't release a mutex that is ${held ? 'held' : 'free'}`,
  };
}
