/**
 * The RaftAdmin service. Status is always answered locally (also while
 * halted). Membership changes, leadership transfer and the DebugProposeRaw
 * test hook go to the leader: a follower forwards them unless `no_forward`.
 * The leader gate follows spec §6.2: not leader → NotLeader (or NoLeader),
 * then a ReadIndex quorum round trip before acting. On the leader, AddVoter
 * and AddLearner first run the encryption layer's pre-registration of the
 * new member (member-pre-registration.ts, spec §3.4 (f)) when it is wired.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { NodeError } from '../proto/index.js';
import type * as M from '../proto/index.js';
import type { StatusResponse } from '../proto/index.js';
import { nodeIdPattern } from './flag-values.js';
import type { ForwardCall, LeaderForwarder } from './leader-forwarder.js';
import type { MembershipRequest, NodeCore } from './node-core.js';
import { unaryHandler } from './unary-handler.js';

/** What the admin service needs besides the core. */
export interface AdminServiceOptions {
  readonly core: NodeCore;
  readonly forwarder: LeaderForwarder;
  readonly status: () => StatusResponse;
  readonly testHooks: boolean;
  /** Runs on the leader before an AddVoter / AddLearner is proposed; its refusal refuses the change. */
  readonly beforeMemberAdd?: (id: string) => Promise<void>;
}

function checkId(id: string | undefined): string {
  if (id === undefined || !nodeIdPattern.test(id))
    throw new NodeError('InvalidArgument', `id: invalid node id '${id ?? ''}'`);
  return id;
}

function checkAddress(address: string | undefined): string {
  if (address === undefined || !/^[^\s:]+:\d{1,5}$/.test(address))
    throw new NodeError('InvalidArgument', `address: expected HOST:PORT, got '${address ?? ''}'`);
  return address;
}

async function membership(
  options: AdminServiceOptions,
  request: MembershipRequest,
  noForward: boolean | undefined,
  deadlineMs: number,
  forward: ForwardCall<M.AdminClient, M.MembershipResponse>,
): Promise<M.MembershipResponse> {
  const { core } = options;
  core.assertServing();
  if (!core.isLeader() && noForward !== true) return options.forwarder.admin(forward, deadlineMs);
  if (request.type === 'addVoter' || request.type === 'addLearner') await options.beforeMemberAdd?.(request.id);
  const { index } = await core.changeMembership(request);
  return { appliedIndex: index, members: options.status().members };
}

/** The RaftAdmin service implementation for `server.addService`. */
export function createAdminService(options: AdminServiceOptions): UntypedServiceImplementation {
  const { core, forwarder } = options;
  return {
    Status: unaryHandler(async (): Promise<StatusResponse> => options.status()),
    AddVoter: unaryHandler(async (r: M.AddServerRequest, deadlineMs) => {
      const request = { type: 'addVoter', id: checkId(r.id), address: checkAddress(r.address) } as const;
      return membership(options, request, r.noForward, deadlineMs, (c, callOptions) =>
        c.addVoter({ id: request.id, address: request.address, noForward: true }, callOptions),
      );
    }),
    AddLearner: unaryHandler(async (r: M.AddServerRequest, deadlineMs) => {
      const request = { type: 'addLearner', id: checkId(r.id), address: checkAddress(r.address) } as const;
      return membership(options, request, r.noForward, deadlineMs, (c, callOptions) =>
        c.addLearner({ id: request.id, address: request.address, noForward: true }, callOptions),
      );
    }),
    Promote: unaryHandler(async (r: M.ServerRequest, deadlineMs) => {
      const request = { type: 'promote', id: checkId(r.id), address: '' } as const;
      return membership(options, request, r.noForward, deadlineMs, (c, callOptions) =>
        c.promote({ id: request.id, noForward: true }, callOptions),
      );
    }),
    RemoveServer: unaryHandler(async (r: M.ServerRequest, deadlineMs) => {
      const request = { type: 'remove', id: checkId(r.id), address: '' } as const;
      return membership(options, request, r.noForward, deadlineMs, (c, callOptions) =>
        c.removeServer({ id: request.id, noForward: true }, callOptions),
      );
    }),
    TransferLeadership: unaryHandler(async (r: M.ServerRequest, deadlineMs): Promise<M.TransferLeadershipResponse> => {
      const target = checkId(r.id);
      core.assertServing();
      if (!core.isLeader() && r.noForward !== true)
        return forwarder.admin(
          (c, callOptions) => c.transferLeadership({ id: target, noForward: true }, callOptions),
          deadlineMs,
          false,
        );
      await core.linearizableRead();
      return core.transferLeadership(target);
    }),
    DebugProposeRaw: unaryHandler(
      async (r: M.DebugProposeRawRequest, deadlineMs): Promise<M.DebugProposeRawResponse> => {
        if (!options.testHooks) throw new NodeError('TestHooksDisabled', 'DebugProposeRaw needs ekv-node --test-hooks');
        const payload = r.payload ?? new Uint8Array(0);
        if (payload.length === 0) throw new NodeError('InvalidArgument', 'payload must not be empty');
        core.assertServing();
        if (!core.isLeader() && r.noForward !== true)
          return forwarder.admin(
            (c, callOptions) => c.debugProposeRaw({ payload, noForward: true }, callOptions),
            deadlineMs,
          );
        const applied = await core.proposeRaw(payload);
        return { appliedIndex: applied.index };
      },
    ),
  };
}
