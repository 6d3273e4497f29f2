import { Type, type Static } from '@sinclair/typebox';

/** Request schemas shared by the data-plane routes. Validation failures become 400 BadParameter. */

export const NameParams = Type.Object({ name: Type.String() });
export const NameVersionParams = Type.Object({ name: Type.String(), version: Type.Optional(Type.String()) });
export type NameParamsT = Static<typeof NameParams>;
export type NameVersionParamsT = Static<typeof NameVersionParams>;

export const PagingQuery = Type.Object({
  maxresults: Type.Optional(Type.String()),
  $skiptoken: Type.Optional(Type.String()),
});
export type PagingQueryT = Static<typeof PagingQuery>;

const UnixTime = Type.Union([Type.Integer(), Type.Null()]);

export const AttributesInput = Type.Object({
  enabled: Type.Optional(Type.Boolean()),
  nbf: Type.Optional(UnixTime),
  exp: Type.Optional(UnixTime),
  // Read-only attributes clients echo back are accepted and ignored, as the service does.
  created: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  updated: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  recoveryLevel: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  recoverableDays: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
});

export const Tags = Type.Record(Type.String(), Type.String());

export const BackupBody = Type.Object({ value: Type.String({ minLength: 1 }) });
export type BackupBodyT = Static<typeof BackupBody>;
