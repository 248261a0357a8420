/**
 * `--peer-route` makes a node dial its peers through the given addresses (the
 * harness puts a TCP proxy per ordered pair there): Raft traffic flows
 * through the proxies, cutting every link of the leader gets the others to
 * elect a new leader, and healing the links brings the old one back as a
 * follower with everything written meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessCluster, waitFor } from './test/process-cluster.js';
import { TcpLink } from './test/tcp-link.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('peer routes through proxies', () => {
  let cluster: ProcessCluster | undefined;
  const links = new Map<string, TcpLink>();
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
    await Promise.all([...links.values()].map((link) => link.close()));
    links.clear();
  });

  it('carries Raft traffic and cuts it on demand', async () => {
    cluster = await ProcessCluster.create(['n1', 'n2', 'n3'], 3, ['--tick-ms', '20']);
    const ids = cluster.ids();
    for (const from of ids) {
      const routes: string[] = [];
      for (const to of ids.filter((id) => id !== from)) {
        const link = await TcpLink.open(cluster.address(to));
        links.set(`${from}->${to}`, link);
        routes.push(`${to}=127.0.0.1:${link.port}`);
      }
      cluster.addFlags(from, ['--peer-route', routes.join(',')]);
    }
    await cluster.startAll();
    const leader = await cluster.waitForLeader();
    await cluster.kv(leader).put({ key: utf8('a'), value: utf8('1') });
    // Leader ↔ follower links carry the replication (followers do not talk to each other).
    for (const [name, link] of links) if (name.includes(leader)) expect(link.bytes, name).toBeGreaterThan(0);

    const isolate = (cut: boolean): void => {
      for (const [name, link] of links) {
        if (!name.includes(leader)) continue;
        if (cut) link.sever();
        else link.heal();
      }
    };
    isolate(true);
    const others = ids.filter((id) => id !== leader);
    const next = await cluster.waitForLeader(others);
    expect(next).not.toBe(leader);
    await cluster.kv(next).put({ key: utf8('b'), value: utf8('2') });
    isolate(false);
    await waitFor('the old leader to rejoin as a follower', 15_000, async () => {
      const status = await cluster!.status(leader);
      return status.role === 'follower' && status.leader === next ? true : undefined;
    });
    expect(text((await cluster.kv(leader).get({ key: utf8('b') })).value)).toBe('2');
  }, 60_000);
});
