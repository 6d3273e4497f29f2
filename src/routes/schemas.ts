import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Request schemas shared by the data-plane routes. Validation failures become 400 BadParameter. */

/** A field clients may send as null or leave out: the service treats both alike. */
export const Nullable = <T extends TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

/*
 * Path parameters have types but no schema: the router only ever hands over strings, so a schema would check nothing,
 * and would cost ajv's load and a compile on the first GET after start-up (docs/performance.md). Names and versions
 * are checked by the domain.
 */
export interface NameParamsT {
  name: string;
}
export interface NameVersionParamsT {
  name: string;
  version?: string;
}

/** The query of every list: a page size, the skip token of a nextLink, and (certificates) includePending. */
export const ListQuery = Type.Object({
  maxresults: Type.Optional(Type.String()),
  $skiptoken: Type.Optional(Type.String()),
  includePending: Type.Optional(Type.String()),
});
export type ListQueryT = Static<typeof ListQuery>;

export const AttributesInput = Type.Object({
  enabled: Type.Optional(Type.Boolean()),
  nbf: Nullable(Type.Integer()),
  exp: Nullable(Type.Integer()),
  // Read-only attributes clients echo back are accepted and ignored, as the service does.
  created: Nullable(Type.Integer()),
  updated: Nullable(Type.Integer()),
  recoveryLevel: Nullable(Type.String()),
  recoverableDays: Nullable(Type.Integer()),
});

export const Tags = Type.Record(Type.String(), Type.String());

export const BackupBody = Type.Object({ value: Type.String({ minLength: 1 }) });
export type BackupBodyT = Static<typeof BackupBody>;

/** null and absent mean the same to the service. */
export const given = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
