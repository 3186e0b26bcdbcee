/**
 * The etcd v3 service implementations over a Store: each RPC decodes with codec.ts, calls the store,
 * and answers etcd's response, or etcd's error status through status.ts.
 */
import { once } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import { LeaseNotFoundError } from '../errors.js';
import type { LeaseId, Store } from '../store.js';
import {
  checkRequestSize,
  decodeDelete,
  decodePut,
  decodeRange,
  decodeTxn,
  encodeDelete,
  encodePut,
  encodeRange,
  encodeTxn,
  filterRange,
  header,
  int64,
  txnParts,
} from './codec.js';
import type { ServerIdentity } from './codec.js';
import { toGrpcStatus } from './status.js';
import { WatchSession } from './watch-session.js';
import type { ClusterHandlers } from '../../proto/gen/etcdserverpb/Cluster.js';
import type { KVHandlers } from '../../proto/gen/etcdserverpb/KV.js';
import type { LeaseHandlers } from '../../proto/gen/etcdserverpb/Lease.js';
import type { LeaseKeepAliveRequest__Output } from '../../proto/gen/etcdserverpb/LeaseKeepAliveRequest.js';
import type { LeaseKeepAliveResponse } from '../../proto/gen/etcdserverpb/LeaseKeepAliveResponse.js';
import type { MaintenanceHandlers } from '../../proto/gen/etcdserverpb/Maintenance.js';
import type { WatchHandlers } from '../../proto/gen/etcdserverpb/Watch.js';

/** The version Maintenance.Status reports: a semver etcdctl parses, naming the etcd API level served. */
export const SERVED_VERSION = '3.4.0-vortex';

/** What every handler needs. */
export interface HandlerContext {
  store: Store;
  identity: ServerIdentity;
  /** The store's revision now, for response headers. */
  currentRevision: () => Promise<number>;
  /** Registers a stream so that closing the server can end it. */
  track: (call: grpc.ServerDuplexStream<unknown, unknown>) => void;
}

/** How the member describes itself in Status and MemberList. */
export interface MemberInfo {
  name: string;
  clientUrl: string;
  dbSize: () => number;
}

/** Adapts an async handler to grpc-js, answering errors with etcd's status codes and messages. */
function unary<Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => callback(toGrpcStatus(err)),
    );
  };
}

/** etcdserverpb.KV: Range (with etcd's revision filters), Put, DeleteRange, Txn, Compact. */
export function kvHandlers({ store, identity, currentRevision }: HandlerContext): KVHandlers {
  return {
    Range: unary(async (req) => {
      const { request, filters } = decodeRange(req);
      if (!filters) return encodeRange(identity, await store.range(request));
      const all = await store.range({ ...request, limit: 0 });
      return encodeRange(identity, filterRange(all, filters, request.limit ?? 0));
    }),
    Put: unary(async (req) => {
      const put = decodePut(req);
      checkRequestSize([put.key, put.value]);
      return encodePut(identity, await store.put(put.key, put.value, { lease: put.lease, prevKv: put.prevKv }));
    }),
    DeleteRange: unary(async (req) => {
      const { prevKv, ...selector } = decodeDelete(req);
      return encodeDelete(identity, await store.delete(selector, { prevKv }));
    }),
    Txn: unary(async (req) => {
      checkRequestSize(txnParts(req));
      return encodeTxn(identity, await store.txn(decodeTxn(req)));
    }),
    Compact: unary(async (req) => {
      await store.compact(int64(req.revision, 'revision'));
      return { header: header(identity, await currentRevision()) };
    }),
  };
}

/** etcdserverpb.Watch: one WatchSession per stream. */
export function watchHandlers(ctx: HandlerContext): WatchHandlers {
  return {
    Watch: (call) => {
      ctx.track(call);
      void new WatchSession(ctx.store, ctx.identity, call, ctx.currentRevision).run();
    },
  };
}

/** Answers keep-alives on one stream in order until the client ends it; never rejects. */
async function serveKeepAlives(
  { store, identity, currentRevision }: HandlerContext,
  call: grpc.ServerDuplexStream<LeaseKeepAliveRequest__Output, LeaseKeepAliveResponse>,
): Promise<void> {
  const closed = new AbortController();
  for (const event of ['close', 'cancelled', 'error']) call.once(event, () => closed.abort());
  try {
    for await (const req of call as AsyncIterable<LeaseKeepAliveRequest__Output>) {
      let ttl = 0;
      try {
        ttl = await store.keepAlive(req.ID);
      } catch (err) {
        // etcd answers a keep-alive for a gone lease with TTL 0, not with an error.
        if (!(err instanceof LeaseNotFoundError)) throw err;
      }
      const response = { header: header(identity, await currentRevision()), ID: req.ID, TTL: String(ttl) };
      // Stop reading while the client does not read: its requests then wait in HTTP/2 flow control.
      if (!call.write(response)) await once(call, 'drain', { signal: closed.signal });
    }
    call.end();
  } catch (err) {
    // grpc-js turns an 'error' event on a server stream into the call's final status.
    if (!call.destroyed) call.emit('error', toGrpcStatus(err));
  }
}

/** etcdserverpb.Lease: grant, revoke, keep-alive stream, time-to-live, list. */
export function leaseHandlers(ctx: HandlerContext): LeaseHandlers {
  const { store, identity, currentRevision } = ctx;
  return {
    LeaseGrant: unary(async (req) => {
      const granted = await store.grant(int64(req.TTL, 'TTL'), req.ID !== '0' ? { id: req.ID } : {});
      return {
        header: header(identity, await currentRevision()),
        ID: granted.id,
        TTL: String(granted.ttlSeconds),
        error: '',
      };
    }),
    LeaseRevoke: unary(async (req) => {
      await store.revoke(req.ID);
      return { header: header(identity, await currentRevision()) };
    }),
    LeaseKeepAlive: (call) => {
      ctx.track(call);
      void serveKeepAlives(ctx, call);
    },
    LeaseTimeToLive: unary(async (req) => {
      const ttl = await store.timeToLive(req.ID, { keys: req.keys });
      return {
        header: header(identity, await currentRevision()),
        ID: req.ID,
        TTL: String(ttl.ttlSeconds),
        grantedTTL: String(ttl.grantedTtlSeconds),
        keys: ttl.keys,
      };
    }),
    LeaseLeases: unary(async () => {
      const ids: LeaseId[] = await store.leases();
      return { header: header(identity, await currentRevision()), leases: ids.map((ID) => ({ ID })) };
    }),
  };
}

/** etcdserverpb.Maintenance.Status, for `etcdctl endpoint status`: one member, its own leader. */
export function maintenanceHandlers({ identity, currentRevision }: HandlerContext, member: MemberInfo): MaintenanceHandlers {
  return {
    Status: unary(async () => {
      const revision = await currentRevision();
      const dbSize = String(member.dbSize());
      return {
        header: header(identity, revision),
        version: SERVED_VERSION,
        dbSize,
        leader: identity.memberId,
        raftIndex: String(revision),
        raftTerm: identity.raftTerm,
        raftAppliedIndex: String(revision),
        errors: [],
        dbSizeInUse: dbSize,
        isLearner: false,
      };
    }),
  };
}

/** etcdserverpb.Cluster.MemberList, for `etcdctl member list`: this member, no peer URLs. */
export function clusterHandlers({ identity, currentRevision }: HandlerContext, member: MemberInfo): ClusterHandlers {
  return {
    MemberList: unary(async () => ({
      header: header(identity, await currentRevision()),
      members: [{ ID: identity.memberId, name: member.name, peerURLs: [], clientURLs: [member.clientUrl], isLearner: false }],
    })),
  };
}
