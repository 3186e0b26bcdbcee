/**
 * Loads the etcd v3 subset in `proto/` at run time with @grpc/proto-loader (no protoc). The loader
 * options must match the flags in scripts/gen-proto.sh, which generated the types in proto/gen/.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../../proto/gen/rpc.js';

/** int64 fields arrive as decimal strings (revisions and lease IDs exceed 2^53 in etcd). */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Finds `proto/` whether this file runs from source (store/grpc) or from the build (dist/store/grpc). */
function protoDir(): string {
  for (const up of ['../../proto', '../../../proto']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(`${dir}/etcdserverpb/rpc.proto`)) return dir;
  }
  throw new Error('store: cannot find proto/etcdserverpb/rpc.proto next to the Vortex sources');
}

let loaded: ProtoGrpcType | undefined;

/** The etcd v3 services and messages, loaded once per process. */
export function etcdProto(): ProtoGrpcType {
  if (!loaded) {
    const definition = protoLoader.loadSync('etcdserverpb/rpc.proto', { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
    loaded = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return loaded;
}
