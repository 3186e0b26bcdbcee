/**
 * The gRPC server under bad input and the watch protocol details etcd clients depend on: malformed
 * and oversized messages get an error status and the server keeps serving; watch ids, created,
 * cancel, progress and refused creates look like etcd's.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdStore } from '../../store/etcd/etcd-store.js';
import { etcdProto } from '../../store/grpc/proto.js';
import { serveStore } from '../../store/grpc/server.js';
import type { StoreServer } from '../../store/grpc/server.js';
import type { Store } from '../../store/store.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../../store/embedded/embedded-store.js';
import type { WatchRequest } from '../../proto/gen/etcdserverpb/WatchRequest.js';
import type { WatchResponse__Output } from '../../proto/gen/etcdserverpb/WatchResponse.js';

/** How long one raw call may take, in ms. */
const CALL_TIMEOUT_MS = 10_000;

let dataDir = '';
let backend: Store | undefined;
let server: StoreServer | undefined;
let raw: grpc.Client | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vortex-grpc-test-'));
  backend = await EmbeddedStore.open({ dataDir });
  server = await serveStore(backend, { port: 0 });
  raw = new grpc.Client(server.address, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
  });
});

afterAll(async () => {
  raw?.close();
  await server?.close();
  await backend?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A protobuf varint. */
function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Buffer.from(bytes);
}

/** A length-delimited protobuf field. */
function bytesField(field: number, value: Buffer): Buffer {
  return Buffer.concat([varint(BigInt((field << 3) | 2)), varint(BigInt(value.length)), value]);
}

/** A varint protobuf field. */
function varintField(field: number, value: bigint): Buffer {
  return Buffer.concat([varint(BigInt(field << 3)), varint(value)]);
}

/** Sends raw bytes to a unary method; resolves with the status (OK included), never rejects. */
function rawCall(method: string, payload: Buffer): Promise<{ code: grpc.status; details: string }> {
  return new Promise((resolve) => {
    raw!.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      payload,
      { deadline: Date.now() + CALL_TIMEOUT_MS },
      (err) => resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' }),
    );
  });
}

async function stillServes(): Promise<void> {
  const client = new EtcdStore({ endpoints: [server!.address] });
  try {
    const put = await client.put('robust/alive', String(Date.now()));
    expect((await client.get('robust/alive'))?.modRevision).toBe(put.revision);
  } finally {
    await client.close();
  }
}

describe('gRPC server robustness', () => {
  it('answers malformed messages with an error status and keeps serving', async () => {
    const garbage = await rawCall('/etcdserverpb.KV/Range', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(garbage.code).not.toBe(grpc.status.OK);
    // Field 1 (bytes) sent as a varint: a wrong wire type.
    const wrongType = await rawCall('/etcdserverpb.KV/Put', Buffer.from([0x08, 0x96, 0x01]));
    expect(wrongType.code).not.toBe(grpc.status.OK);
    // Truncated: a length prefix promising more bytes than follow.
    const truncated = await rawCall('/etcdserverpb.KV/Txn', Buffer.from([0x0a, 0x40, 0x01]));
    expect(truncated.code).not.toBe(grpc.status.OK);
    await stillServes();
  });

  it('answers out-of-range values with INVALID_ARGUMENT in etcd\'s words', async () => {
    const badSort = await rawCall(
      '/etcdserverpb.KV/Range',
      Buffer.concat([bytesField(1, Buffer.from('robust/k')), varintField(5, 7n)]),
    );
    expect(badSort).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'etcdserver: invalid sort option' });
    const hugeRevision = await rawCall(
      '/etcdserverpb.KV/Range',
      Buffer.concat([bytesField(1, Buffer.from('robust/k')), varintField(4, 2n ** 62n)]),
    );
    expect(hugeRevision.code).toBe(grpc.status.INVALID_ARGUMENT);
    const emptyKey = await rawCall('/etcdserverpb.KV/Put', bytesField(2, Buffer.from('v')));
    expect(emptyKey).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'etcdserver: key is not provided' });
    const unknown = await rawCall('/etcdserverpb.KV/Nope', Buffer.alloc(0));
    expect(unknown.code).toBe(grpc.status.UNIMPLEMENTED);
    await stillServes();
  });

  it('refuses oversized messages: over the request limit in etcd\'s words, over the frame limit by gRPC', async () => {
    const overLimit = await rawCall(
      '/etcdserverpb.KV/Put',
      Buffer.concat([bytesField(1, Buffer.from('robust/big')), bytesField(2, Buffer.alloc(1.75 * 1024 * 1024))]),
    );
    expect(overLimit).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'etcdserver: request is too large' });
    const overFrame = await rawCall(
      '/etcdserverpb.KV/Put',
      Buffer.concat([bytesField(1, Buffer.from('robust/big')), bytesField(2, Buffer.alloc(3 * 1024 * 1024))]),
    );
    expect(overFrame.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    await stillServes();
  });

  it('a garbage frame on a watch stream ends that stream only', async () => {
    const stream = raw!.makeBidiStreamRequest('/etcdserverpb.Watch/Watch', (b: Buffer) => b, (b: Buffer) => b);
    const ended = new Promise<grpc.status>((resolve) => {
      stream.on('error', (err: grpc.ServiceError) => resolve(err.code));
      stream.on('end', () => resolve(grpc.status.OK));
    });
    stream.on('data', () => undefined);
    stream.write(Buffer.from([0xff, 0xff, 0xff]));
    expect(await ended).not.toBe(grpc.status.OK);
    await stillServes();
  });
});

describe('watch protocol', () => {
  it('auto ids start at 0; created precedes events; cancel and progress answer like etcd', async () => {
    const Watch = etcdProto().etcdserverpb.Watch;
    const client = new Watch(server!.address, grpc.credentials.createInsecure());
    const stream = client.Watch();
    const responses: WatchResponse__Output[] = [];
    const waiters: (() => void)[] = [];
    stream.on('data', (res: WatchResponse__Output) => {
      responses.push(res);
      waiters.splice(0).forEach((wake) => wake());
    });
    stream.on('error', () => undefined);
    const next = async (): Promise<WatchResponse__Output> => {
      const deadline = Date.now() + CALL_TIMEOUT_MS;
      while (responses.length === 0) {
        if (Date.now() > deadline) throw new Error('no watch response');
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return responses.shift()!;
    };
    const send = (req: WatchRequest): void => {
      stream.write(req);
    };
    const store = new EtcdStore({ endpoints: [server!.address] });
    try {
      send({ create_request: { key: Buffer.from('wp/a') } });
      const created = await next();
      expect(created).toMatchObject({ watch_id: '0', created: true, canceled: false });
      const put = await store.put('wp/a', '1');
      const event = await next();
      expect(event.watch_id).toBe('0');
      expect(event.events.map((e) => e.type)).toEqual(['PUT']);
      expect(event.header?.revision).toBe(String(put.revision));
      expect(Number(created.header?.revision)).toBe(put.revision - 1);

      send({ create_request: { key: Buffer.from('wp/b'), watch_id: 7 } });
      expect(await next()).toMatchObject({ watch_id: '7', created: true });
      send({ create_request: { key: Buffer.from('wp/c'), watch_id: 7 } });
      expect(await next()).toMatchObject({ watch_id: '-1', created: true, canceled: true });
      send({ create_request: { key: Buffer.from('wp/z'), range_end: Buffer.from('wp/a') } });
      expect(await next()).toMatchObject({ watch_id: '-1', created: true, canceled: true, cancel_reason: 'mvcc: watcher range is empty' });

      send({ progress_request: {} });
      const progress = await next();
      expect(progress).toMatchObject({ watch_id: '-1', created: false, canceled: false, events: [] });
      expect(Number(progress.header?.revision)).toBe(put.revision);

      send({ cancel_request: { watch_id: 0 } });
      expect(await next()).toMatchObject({ watch_id: '0', canceled: true });
      send({ create_request: { key: Buffer.from('wp/d') } });
      expect(await next()).toMatchObject({ watch_id: '1', created: true });
    } finally {
      stream.end();
      client.close();
      await store.close();
    }
  });
});
