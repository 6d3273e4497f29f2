/**
 * Schema 2. Resource groups for the management plane. Vaults keep their subscription and group in their properties
 * JSON; this table only records which groups exist (ARM answers 404 for a group nobody created). The group the
 * pre-made vaults live in is created here, so databases from schema 1 show their vaults under it at once.
 */
export default `
CREATE TABLE resource_groups (
  subscription  TEXT NOT NULL COLLATE NOCASE,
  name          TEXT NOT NULL COLLATE NOCASE,
  location      TEXT NOT NULL,
  tags          TEXT,
  created       INTEGER NOT NULL,
  PRIMARY KEY (subscription, name)
) WITHOUT ROWID;

INSERT INTO resource_groups (subscription, name, location, tags, created)
VALUES ('00000000-0000-0000-0000-000000000000', 'kyanite', 'local', NULL, CAST(strftime('%s', 'now') AS INTEGER));
`;
