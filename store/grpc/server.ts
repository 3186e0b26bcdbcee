/**
 * Serves any Store as the etcd v3 gRPC subset (KV, Watch, Lease, Maintenance.Status,
 * Cluster.MemberList), so etcdctl and the etcd3 client talk to a Vortex store as to one etcd member.
 * Bound to 127.0.0.1 unless told otherwise. The caller owns the store: closing the server leaves it open.
 */
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Store } from '../store.js';
import type { ServerIdentity } from './codec.js';
import { clusterHandlers, kvHandlers, leaseHandlers, maintenanceHandlers, watchHandlers } from './handlers.js';
import type { HandlerContext, MemberInfo } from './handlers.js';
import { etcdProto } from './proto.js';
import { GRPC_OVERHEAD_BYTES, MAX_REQUEST_BYTES } from './status.js';

export { SERVED_VERSION } from './handlers.js';

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
  const streams = new Set<grpc.ServerDuplexStream<unknown, unknown>>();
  const ctx: HandlerContext = {
    store,
    identity,
    currentRevision: async () => (await store.range({ key: Buffer.from([0]), countOnly: true })).revision,
    track: (call) => {
      streams.add(call);
      call.on('close', () => streams.delete(call));
      call.on('cancelled', () => streams.delete(call));
    },
  };
  const member: MemberInfo = {
    name: options.name ?? 'vortex',
    clientUrl: `http://${address}`,
    dbSize: options.dbSize ?? (() => 0),
  };

  const proto = etcdProto().etcdserverpb;
  server.addService(proto.KV.service, kvHandlers(ctx));
  server.addService(proto.Watch.service, watchHandlers(ctx));
  server.addService(proto.Lease.service, leaseHandlers(ctx));
  server.addService(proto.Maintenance.service, maintenanceHandlers(ctx, member));
  server.addService(proto.Cluster.service, clusterHandlers(ctx, member));

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
