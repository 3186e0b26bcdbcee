/**
 * Serves any Store as the etcd v3 gRPC subset (KV, Watch, Lease, Maintenance.Status,
 * Cluster.MemberList), so etcdctl and the etcd3 client talk to a Vortex store as to one etcd member.
 * Bound to 127.0.0.1 unless told otherwise. The caller owns the store: closing the server leaves it open.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
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
import { etcdProto } from './proto.js';
import { GRPC_OVERHEAD_BYTES, MAX_REQUEST_BYTES, toGrpcStatus } from './status.js';
import { WatchSession } from './watch-session.js';
import type { KVHandlers } from '../../proto/gen/etcdserverpb/KV.js';
import type { LeaseHandlers } from '../../proto/gen/etcdserverpb/Lease.js';
import type { LeaseKeepAliveRequest__Output } from '../../proto/gen/etcdserverpb/LeaseKeepAliveRequest.js';
import type { LeaseKeepAliveResponse } from '../../proto/gen/etcdserverpb/LeaseKeepAliveResponse.js';
import type { MaintenanceHandlers } from '../../proto/gen/etcdserverpb/Maintenance.js';
import type { ClusterHandlers } from '../../proto/gen/etcdserverpb/Cluster.js';
import type { WatchHandlers } from '../../proto/gen/etcdserverpb/Watch.js';

/** The version Maintenance.Status reports: a semver etcdctl parses, naming the etcd API level served. */
export const SERVED_VERSION = '3.4.0-vortex';

/** How long close() lets in-flight calls finish before cutting them. */
const SHUTDOWN_GRACE_MS = 1_000;

/** Where to listen and what to report about the member. */
export interface ServeOptions {
  /** Interface to bind; default 127.0.0.1 (the store has no authentication). */
  host?: string;
  /** TCP port; 0 picks a free one. Default 2379, etcd's client port. */
  port?: number;
  /** Member name in MemberList; default "vortex". */
  name?: string;
  /** Bytes the store uses on disk, for Maintenance.Status; default 0. */
  dbSize?: () => number;
}

/** A running server. */
export interface StoreServer {
  /** `host:port` as clients dial it. */
  address: string;
  port: number;
  /** Ends open streams, lets unary calls finish (up to 1 s), then stops. The store stays open. */
  close(): Promise<void>;
}

/** A stable uint64 (as decimal, below 2^63 like etcd's ids) derived from `seed`. */
function idFrom(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  return (digest.readBigUInt64BE(0) & 0x7fff_ffff_ffff_ffffn).toString();
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

/** Starts serving `store`; resolves once the port is bound. */
export async function serveStore(store: Store, options: ServeOptions = {}): Promise<StoreServer> {
  const host = options.host ?? '127.0.0.1';
  const server = new grpc.Server({
    // etcd's sizing: requests up to --max-request-bytes, plus room for gRPC framing so that an
    // oversized request still reaches the handler and gets etcd's "request is too large".
    'grpc.max_receive_message_length': MAX_REQUEST_BYTES + GRPC_OVERHEAD_BYTES,
    'grpc.max_send_message_length': -1,
    // Keep channelz on: with it off, grpc-js 1.14 does not track sessions, so forceShutdown() cannot
    // cut open streams and close() would wait for clients forever.
  });
  const proto = etcdProto().etcdserverpb;
  const hostPort = host.includes(':') ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${hostPort}:${options.port ?? 2379}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  const address = `${hostPort}:${port}`;
  const identity: ServerIdentity = {
    clusterId: idFrom('vortex-cluster'),
    memberId: idFrom(`vortex-member:${address}`),
    raftTerm: '1',
  };
  const currentRevision = async (): Promise<number> =>
    (await store.range({ key: Buffer.from([0]), countOnly: true })).revision;
  const streams = new Set<grpc.ServerDuplexStream<unknown, unknown>>();
  const track = (call: grpc.ServerDuplexStream<unknown, unknown>): void => {
    streams.add(call);
    call.on('close', () => streams.delete(call));
    call.on('cancelled', () => streams.delete(call));
  };

  const kv: KVHandlers = {
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

  const watch: WatchHandlers = {
    Watch: (call) => {
      track(call);
      void new WatchSession(store, identity, call, currentRevision).run();
    },
  };

  const keepAlive = async (
    call: grpc.ServerDuplexStream<LeaseKeepAliveRequest__Output, LeaseKeepAliveResponse>,
  ): Promise<void> => {
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
  };

  const lease: LeaseHandlers = {
    LeaseGrant: unary(async (req) => {
      const ttl = int64(req.TTL, 'TTL');
      const granted = await store.grant(ttl, req.ID !== '0' ? { id: req.ID } : {});
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
      track(call);
      void keepAlive(call);
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

  const maintenance: MaintenanceHandlers = {
    Status: unary(async () => {
      const revision = await currentRevision();
      const dbSize = String(options.dbSize?.() ?? 0);
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

  const cluster: ClusterHandlers = {
    MemberList: unary(async () => ({
      header: header(identity, await currentRevision()),
      members: [
        { ID: identity.memberId, name: options.name ?? 'vortex', peerURLs: [], clientURLs: [`http://${address}`], isLearner: false },
      ],
    })),
  };

  server.addService(proto.KV.service, kv);
  server.addService(proto.Watch.service, watch);
  server.addService(proto.Lease.service, lease);
  server.addService(proto.Maintenance.service, maintenance);
  server.addService(proto.Cluster.service, cluster);

  let closing: Promise<void> | undefined;
  return {
    address,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const call of streams) call.end();
        const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closing;
    },
  };
}
