import { describe, expect, it } from 'vitest';
import { foreignSharers, parseListenTable } from './port-sharers.js';

// Trimmed from a real /proc/net/tcp and tcp6 (header, then sl, local, remote, state, queues, timers, retransmits, uid, timeout, inode).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 101 1 0 100 0 0 10 0
   1: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 102 1 0 100 0 0 10 0
   2: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 103 1 0 100 0 0 10 0
   3: 0200007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 104 1 0 100 0 0 10 0
   4: 0100007F:1F40 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 105 1 0 20 4 30 10 -1
   5: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 106 1 0 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F40 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 201 1 0 100 0 0 10 0
   1: 00000000000000000000000000000000:1F41 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 202 1 0 100 0 0 10 0
`;

describe('port sharers', () => {
  it('reads listening sockets with their address, port and inode, skipping connections', () => {
    const v4 = parseListenTable(TCP);
    expect(v4.map((e) => [Array.from(e.address).join('.'), e.port, e.inode])).toEqual([
      ['127.0.0.1', 8000, 101],
      ['127.0.0.1', 8000, 102],
      ['0.0.0.0', 8000, 103],
      ['127.0.0.2', 8000, 104],
      ['127.0.0.1', 8001, 106],
    ]);
    const v6 = parseListenTable(TCP6);
    expect(v6[0]!.address).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])); // ::1
    expect(v6[0]!.port).toBe(8000);
  });

  it('counts the other processes\' listeners on an overlapping address of the same port', () => {
    const entries = [...parseListenTable(TCP), ...parseListenTable(TCP6)];
    // Ours: 101 (127.0.0.1:8000). 102 same address, 103 the IPv4 wildcard: sharing. 104 (127.0.0.2) and
    // 201 (::1) do not overlap; 106 is another port.
    expect(foreignSharers(entries, 8000, new Set([101])).map((e) => e.inode)).toEqual([102, 103]);
    expect(foreignSharers(entries, 8000, new Set([101, 102]))).toHaveLength(1);
    // `::` (dual-stack) covers IPv4 listeners on its port.
    expect(foreignSharers(entries, 8001, new Set([202])).map((e) => e.inode)).toEqual([106]);
    // Nothing of ours on the port: nothing to share with.
    expect(foreignSharers(entries, 8000, new Set())).toEqual([]);
  });
});
