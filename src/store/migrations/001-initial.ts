/**
 * Schema 1. One generic shape serves secrets, keys and certificates: a name row per object (which carries the
 * soft-delete state, so deleting or recovering moves the whole name at once) and an append-only version table whose
 * rowid orders versions, so "latest" is well defined even within one second.
 */
export default `
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE vaults (
  name        TEXT PRIMARY KEY COLLATE NOCASE,
  created     INTEGER NOT NULL,
  properties  TEXT NOT NULL,
  deleted_at  INTEGER,
  purge_at    INTEGER
);

CREATE TABLE objects (
  vault       TEXT NOT NULL COLLATE NOCASE,
  kind        TEXT NOT NULL,
  name        TEXT NOT NULL COLLATE NOCASE,
  deleted_at  INTEGER,
  purge_at    INTEGER,
  meta        TEXT,
  PRIMARY KEY (vault, kind, name)
) WITHOUT ROWID;

CREATE TABLE versions (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  vault    TEXT NOT NULL COLLATE NOCASE,
  kind     TEXT NOT NULL,
  name     TEXT NOT NULL COLLATE NOCASE,
  version  TEXT NOT NULL,
  created  INTEGER NOT NULL,
  updated  INTEGER NOT NULL,
  enabled  INTEGER NOT NULL,
  nbf      INTEGER,
  exp      INTEGER,
  tags     TEXT,
  body     TEXT NOT NULL,
  FOREIGN KEY (vault, kind, name) REFERENCES objects (vault, kind, name) ON DELETE CASCADE
);
CREATE UNIQUE INDEX versions_by_version ON versions (vault, kind, name, version);
CREATE INDEX versions_by_name ON versions (vault, kind, name, id);
`;
