/**
 * The Store contract suite: every Store implementation runs it, and it must pass unchanged against a
 * real etcd. So revisions are always relative to ones the case observed (a real etcd never starts at
 * revision 1 and is shared across cases), and each case works under its own random key prefix.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../store.js';
import type { ContractContext } from './contract-context.js';
import { electionCases } from './contract-election.js';
import { errorCases } from './contract-errors.js';
import { kvCases } from './contract-kv.js';
import { leaseCases } from './contract-lease.js';
import { recordsCases } from './contract-records.js';
import { txnCases } from './contract-txn.js';
import { watchCases } from './contract-watch.js';

/** A store to test and how to dispose of it; `create` runs before every case. */
export interface StoreContractOptions {
  name: string;
  create: () => Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

/** Registers the whole contract as a vitest `describe` block named after the implementation. */
export function runStoreContract(options: StoreContractOptions): void {
  describe(`Store contract: ${options.name}`, () => {
    let current: { store: Store; cleanup: () => Promise<void> } | undefined;
    let prefix = '';
    const ctx: ContractContext = {
      store: () => {
        if (!current) throw new Error('the store is only available inside a test');
        return current.store;
      },
      prefix: () => prefix,
      key: (name) => `${prefix}${name}`,
    };

    beforeEach(async () => {
      prefix = `vx-contract/${randomBytes(4).toString('hex')}/`;
      current = await options.create();
    });

    afterEach(async () => {
      const done = current;
      current = undefined;
      await done?.cleanup();
    });

    describe('keys and ranges', () => kvCases(ctx));
    describe('transactions', () => txnCases(ctx));
    describe('watches', () => watchCases(ctx));
    describe('leases', () => leaseCases(ctx));
    describe('compaction and errors', () => errorCases(ctx));
    describe('typed records', () => recordsCases(ctx));
    describe('leader election', () => electionCases(ctx));
  });
}
