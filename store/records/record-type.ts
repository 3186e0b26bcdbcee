/**
 * A record type: a key prefix, a zod schema, the field that names a record, and the fields kept in
 * secondary indexes (the seed's KSL idea: typed records whose indexes the store layer maintains).
 */
import type * as z from 'zod';

export interface RecordType<S extends z.ZodObject = z.ZodObject> {
  /** Short name used in index keys (`vortex:index:<name>:<field>:...`). */
  readonly name: string;
  /** Primary keys are `<prefix><id>`. */
  readonly prefix: string;
  readonly schema: S;
  /** The field holding the record's id (a string). */
  readonly idField: keyof z.output<S> & string;
  /** Fields with an index; their values must be strings (or absent, which is not indexed). */
  readonly indexes: readonly (keyof z.output<S> & string)[];
}

export type RecordOf<T extends RecordType> = z.output<T['schema']>;

/** Declares a record type; checks once that the id and indexed fields exist in the schema. */
export function defineRecord<S extends z.ZodObject>(type: RecordType<S>): RecordType<S> {
  for (const field of [type.idField, ...type.indexes]) {
    if (!(field in type.schema.shape)) throw new TypeError(`record type ${type.name}: field "${field}" is not in its schema`);
  }
  if (type.name.includes(':')) throw new TypeError(`record type ${type.name}: a name cannot contain ":"`);
  return type;
}
