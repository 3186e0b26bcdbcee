/**
 * A point in the store's history, etcd-style: `main` is the store revision of a write txn and `sub`
 * numbers the changes inside it (0, 1, ...), so every change has a distinct, totally ordered
 * revision and a txn's watch events come out in the order the txn made them.
 */
export interface Revision {
  main: number;
  sub: number;
}

