// The built-in models.
export { casRegisterModel, registerModel } from './cas-register.js';
export type { RegisterInput, RegisterOutput, RegisterOptions } from './cas-register.js';
export { multiRegisterModel } from './multi-register.js';
export type { MicroOp, MultiRegisterOptions } from './multi-register.js';
export { kvModel } from './kv.js';
export type { KvInput, KvState, KvOptions } from './kv.js';
export { mutexModel } from './mutex.js';
export type { MutexInput } from './mutex.js';
export { setModel } from './set.js';
export type { SetInput, SetState } from './set.js';
export { fifoQueueModel } from './fifo-queue.js';
export type { QueueInput, QueueState } from './fifo-queue.js';
