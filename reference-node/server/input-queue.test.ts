import { describe, expect, it } from 'vitest';
import { NodeError } from '../proto/index.js';
import { InputQueue } from './input-queue.js';

describe('InputQueue', () => {
  it('runs work in order and hands back results and errors', async () => {
    const queue = new InputQueue<string[]>(10);
    const log: string[] = [];
    queue.post((target) => target.push('a'));
    const result = queue.run((target) => {
      target.push('b');
      return 42;
    });
    const failure = queue.run(() => {
      throw new Error('refused');
    });
    queue.drain(log);
    expect(log).toEqual(['a', 'b']);
    expect(await result).toBe(42);
    await expect(failure).rejects.toThrow('refused');
  });

  it('refuses with Overloaded (definite) when full', async () => {
    const queue = new InputQueue<null>(1);
    expect(queue.post(() => undefined)).toBe(true);
    expect(queue.post(() => undefined)).toBe(false);
    const refused = await queue.run(() => 1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NodeError);
    expect((refused as NodeError).spec.name).toBe('Overloaded');
  });

  it('fails queued and later requests once closed', async () => {
    const queue = new InputQueue<null>(10);
    const queued = queue.run(() => 1);
    queue.close(() => new NodeError('NodeHalted', 'halted'));
    await expect(queued).rejects.toThrow('halted');
    await expect(queue.run(() => 2)).rejects.toThrow('halted');
    expect(queue.post(() => undefined)).toBe(false);
  });

  it('wakes a waiting loop when work arrives', async () => {
    const queue = new InputQueue<null>(10);
    const woke = queue.waitForWork();
    queue.post(() => undefined);
    await expect(woke).resolves.toBeUndefined();
  });
});
