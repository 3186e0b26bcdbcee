/**
 * A set of CIDR blocks (`proxy.trusted_proxies`, `ratelimiter.allow`) checked against parsed
 * addresses by masked word comparison: a few integer ops per block, no allocation.
 */
import { parseCidr } from '../config/cidr.js';
import type { IpParts } from './ip-address.js';
import { parseIp, wordMask } from './ip-address.js';

interface Block {
  v6: boolean;
  /** The network's words and masks, most significant first: [hi, lo, tail0, tail1]. */
  words: [number, number, number, number];
  masks: [number, number, number, number];
}

export class TrustedNetworks {
  readonly #blocks: Block[];

  /** Throws on an invalid block; config validation has already refused those with a message. */
  constructor(cidrs: readonly string[]) {
    this.#blocks = cidrs.map((text) => {
      const cidr = parseCidr(text);
      const address = cidr && parseIp(cidr.address);
      if (!cidr || !address) throw new TypeError(`invalid CIDR block ${JSON.stringify(text)}`);
      const bits = cidr.family === 'ipv4' ? [0, cidr.prefix, 0, 0] : [0, 1, 2, 3].map((i) => Math.min(32, Math.max(0, cidr.prefix - 32 * i)));
      const masks = bits.map(wordMask) as Block['masks'];
      const raw = [address.hi, address.lo, address.tail[0], address.tail[1]];
      return { v6: address.v6, masks, words: raw.map((word, i) => (word & masks[i]!) >>> 0) as Block['words'] };
    });
  }

  get size(): number {
    return this.#blocks.length;
  }

  contains(address: IpParts): boolean {
    for (const block of this.#blocks) {
      if (block.v6 !== address.v6) continue;
      const { words, masks } = block;
      if (
        ((address.hi & masks[0]) >>> 0) === words[0] &&
        ((address.lo & masks[1]) >>> 0) === words[1] &&
        ((address.tail[0] & masks[2]) >>> 0) === words[2] &&
        ((address.tail[1] & masks[3]) >>> 0) === words[3]
      ) {
        return true;
      }
    }
    return false;
  }

  containsText(text: string): boolean {
    const address = parseIp(text);
    return address !== undefined && this.contains(address);
  }
}
