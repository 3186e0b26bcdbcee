/**
 * Finds listeners of other processes sharing a port with this one. The workers listen on one port
 * with SO_REUSEPORT, and the kernel lets any socket of the same user with SO_REUSEPORT join that port
 * on an overlapping address: one that binds between the fleet's free-port probe and its workers'
 * binds silently takes part of the connections (seen in tests: two processes each starting workers on
 * "port 0"). Linux lists every listening socket in /proc/net/tcp and tcp6 with its inode, and
 * /proc/self/fd links to this process's sockets by inode, which tells ours from theirs. Elsewhere
 * those files do not exist and nothing is checked.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';

/** One listening socket from /proc/net/tcp or tcp6. */
export interface ListenEntry {
  /** The local address as 4 (IPv4) or 16 (IPv6) bytes. */
  address: Uint8Array;
  port: number;
  inode: number;
}

const LISTEN_STATE = '0A';

/** The listening sockets of one /proc/net/tcp or tcp6 table. */
export function parseListenTable(table: string): ListenEntry[] {
  const entries: ListenEntry[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== LISTEN_STATE) continue;
    const [hexAddress, hexPort] = fields[1]!.split(':') as [string, string];
    entries.push({ address: kernelAddress(hexAddress), port: parseInt(hexPort, 16), inode: Number(fields[9]) });
  }
  return entries;
}

/** The kernel prints each 32-bit word of the address in host order (little-endian here). */
function kernelAddress(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let word = 0; word < bytes.length / 4; word++) {
    for (let i = 0; i < 4; i++) bytes[word * 4 + i] = parseInt(hex.slice(word * 8 + (3 - i) * 2, word * 8 + (3 - i) * 2 + 2), 16);
  }
  return bytes;
}

const isWildcard = (a: Uint8Array): boolean => a.every((b) => b === 0);

/** The same address or a wildcard in one family; across families only `::` (dual-stack) covers IPv4. */
function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length === b.length) return isWildcard(a) || isWildcard(b) || a.every((byte, i) => byte === b[i]);
  return isWildcard(a.length === 16 ? a : b);
}

/** Listeners on `port` that are not in `own` (inodes) and overlap the address of one that is. */
export function foreignSharers(entries: readonly ListenEntry[], port: number, own: ReadonlySet<number>): ListenEntry[] {
  const onPort = entries.filter((e) => e.port === port);
  const ours = onPort.filter((e) => own.has(e.inode));
  return onPort.filter((e) => !own.has(e.inode) && ours.some((o) => overlaps(o.address, e.address)));
}

/** The socket inodes this process holds open. */
async function ownSocketInodes(): Promise<Set<number>> {
  const inodes = new Set<number>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match !== null) inodes.add(Number(match[1]));
  }
  return inodes;
}

/** How many listeners of other processes share `port` with this process's; null where /proc is missing. */
export async function countForeignSharers(port: number): Promise<number | null> {
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((f) => readFile(f, 'utf8').catch(() => '')));
  if (tables.every((t) => t === '')) return null;
  return foreignSharers(tables.flatMap(parseListenTable), port, await ownSocketInodes()).length;
}

/** Another process listens on the workers' port with SO_REUSEPORT and would take part of its connections. */
export class PortSharedError extends Error {
  readonly code = 'VORTEX_PORT_SHARED';

  constructor(host: string, port: number, sharers: number) {
    super(
      `${host}:${port} is also listened on by ${sharers} socket(s) of another process (SO_REUSEPORT lets it share the port and take part of the connections): stop that process or choose another proxy.listen port`,
    );
    this.name = 'PortSharedError';
  }
}
