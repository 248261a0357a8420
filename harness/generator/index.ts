export { Random } from './random.js';
export { generator, runGenerator } from './event-generator.js';
export type { EventGenerator, GeneratorContext, Timed } from './event-generator.js';
export {
  cycle,
  delay,
  eachThread,
  limit,
  map,
  merge,
  mix,
  onThread,
  once,
  phases,
  rate,
  repeatedly,
  sleep,
  stagger,
  timeLimit,
} from './combinators.js';
export type { Maker } from './combinators.js';
