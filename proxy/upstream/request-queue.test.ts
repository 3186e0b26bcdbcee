import { describe, expect, it } from 'vitest';
import { RequestQueue } from './request-queue.js';
import { UpstreamRequest } from './upstream-request.js';
import type { RequestOwner } from './upstream-request.js';
import type { UpstreamHandler } from './types.js';

const owner: RequestOwner = { maxReplayBytes: 0, maxPendingBodyBytes: 1, dequeue: () => undefined };
const handler: UpstreamHandler = { onHead: () => undefined, onData: () => true, onEnd: () => undefined, onError: () => undefined };

function make(n: number): UpstreamRequest[] {
  return Array.from({ length: n }, () => new UpstreamRequest(owner, 'GET / HTTP/1.1\r\n\r\n', false, 0, handler, 'GET'));
}

function drain(q: RequestQueue): UpstreamRequest[] {
  const out: UpstreamRequest[] = [];
  for (let r = q.shift(); r !== null; r = q.shift()) out.push(r);
  return out;
}

describe('RequestQueue', () => {
  it('is FIFO, with unshift putting a retry first', () => {
    const [a, b, c, retry] = make(4) as [UpstreamRequest, UpstreamRequest, UpstreamRequest, UpstreamRequest];
    const q = new RequestQueue();
    q.push(a);
    q.push(b);
    q.push(c);
    q.unshift(retry);
    expect(q.length).toBe(4);
    expect(drain(q)).toEqual([retry, a, b, c]);
    expect(q.length).toBe(0);
    expect(q.shift()).toBe(null);
  });

  it('removes from the head, middle and tail in O(1) and stays consistent', () => {
    const reqs = make(5);
    const q = new RequestQueue();
    for (const r of reqs) q.push(r);
    q.remove(reqs[2]!);
    q.remove(reqs[0]!);
    q.remove(reqs[4]!);
    expect(q.length).toBe(2);
    q.push(reqs[0]!);
    expect(drain(q)).toEqual([reqs[1], reqs[3], reqs[0]]);
  });
});
