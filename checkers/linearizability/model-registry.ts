// Built-in models by name, as the CLI and stored run configurations name them.
import type { HistoryValue } from '../history/history-op.js';
import { ModelInputError } from './model.js';
import type { AnyModel } from './model.js';
import {
  casRegisterModel,
  fifoQueueModel,
  kvModel,
  multiRegisterModel,
  mutexModel,
  registerModel,
  setModel,
} from './models/index.js';

/** Names accepted by `createModel` and `--model`. */
export type ModelName = 'register' | 'cas-register' | 'multi-register' | 'kv' | 'mutex' | 'set' | 'fifo-queue';

/** Every built-in model name. */
export const modelNames: readonly ModelName[] = [
  'register',
  'cas-register',
  'multi-register',
  'kv',
  'mutex',
  'set',
  'fifo-queue',
];

/** True when `name` is a built-in model. */
export function isModelName(name: string): name is ModelName {
  return (modelNames as readonly string[]).includes(name);
}

/**
 * A fresh built-in model. `initial` is the register's initial value (default
 * nil), the multi-register's initial map, or the kv's value of an absent key.
 */
export function createModel(name: ModelName, initial?: HistoryValue): AnyModel {
  switch (name) {
    case 'register':
      return registerModel({ initial: initial ?? null });
    case 'cas-register':
      return casRegisterModel({ initial: initial ?? null });
    case 'multi-register':
      return multiRegisterModel({ initial: initial ?? {} });
    case 'kv':
      if (initial !== undefined && initial !== null && typeof initial !== 'string')
        throw new ModelInputError('kv initial value must be a string');
      return kvModel({ initial: initial ?? '' });
    case 'mutex':
      return mutexModel();
    case 'set':
      return setModel();
    case 'fifo-queue':
      return fifoQueueModel();
  }
}
