/**
 * A follower forwarding to a leader that stops answering without closing its
 * connection (SIGSTOP here; SIGKILL of a container behaves the same, no RST
 * reaches the follower). The forward must end when the follower learns of a
 * new leader, as ForwardFailed (it may have been sent), not hang until the
 * forward's own deadline (proposal timeout + 1 s, 6 s here).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError, RpcError } from '../proto/index.js';
import { ProcessCluster } from './test/process-cluster.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('forwarding to a leader that went silent', () => {
  let cluster: ProcessCluster | undefined;
  let paused: string | undefined;
  afterEach(async () => {
    if (paused !== undefined) cluster?.signal(paused, 'SIGCONT');
    paused = undefined;
    await cluster?.dispose();
    cluster = undefined;
  });

  it('is cancelled when the follower learns of the new leader', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, ['--tick-ms', '20', '--proposal-timeout-ms', '5000']);
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    const follower = cluster.ids().find((id) => id !== leader)!;
    const client = cluster.kv(follower);
    // Warm the follower's forward channel so the silent leader holds an established connection.
    await client.put({ key: utf8('warm'), value: utf8('1') }, { timeoutMs: 5_000 });

    cluster.signal(leader, 'SIGSTOP');
    paused = leader;
    const sentAt = Date.now();
    const error = await client.put({ key: utf8('during'), value: utf8('2') }, { timeoutMs: 20_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsedMs = Date.now() - sentAt;

    expect(error, 'a write forwarded to the silent leader cannot be acknowledged').toBeInstanceOf(RpcError);
    const classification = classifyError(error);
    expect(classification.spec.name).toBe('ForwardFailed');
    expect(classification.definite).toBe(false);
    expect(classification.message).toMatch(/moved away from/);
    // Generous bound (not a benchmark): the old behaviour waited out the 6 s forward deadline.
    expect(elapsedMs).toBeLessThan(4_000);
  }, 60_000);
});
