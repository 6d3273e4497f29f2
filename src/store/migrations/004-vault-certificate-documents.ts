/**
 * Schema 4. Certificate issuers and contacts move out of the process-wide settings table (where they were kept under
 * `vault/<vault>/issuers/<name>` and `vault/<vault>/contacts`) into tables keyed by vault, so that purging a vault
 * takes them with it. Entries of vaults that no longer exist (purged before this schema, which left them behind) are
 * dropped rather than moved: they would come back with a new vault of the same name.
 */
export default `
CREATE TABLE certificate_issuers (
  vault   TEXT NOT NULL COLLATE NOCASE,
  name    TEXT NOT NULL COLLATE NOCASE,
  issuer  TEXT NOT NULL,
  PRIMARY KEY (vault, name)
) WITHOUT ROWID;

CREATE TABLE certificate_contacts (
  vault     TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
  contacts  TEXT NOT NULL
) WITHOUT ROWID;

-- Vault names hold no '/', so the first '/' after 'vault/' (character 7 on) ends the vault's name.
INSERT INTO certificate_issuers (vault, name, issuer)
SELECT substr(key, 7, instr(substr(key, 7), '/') - 1), substr(key, 7 + instr(substr(key, 7), '/') + length('issuers/')), value
FROM settings
WHERE substr(key, 1, 6) = 'vault/' AND substr(key, 7 + instr(substr(key, 7), '/'), length('issuers/')) = 'issuers/'
  AND substr(key, 7, instr(substr(key, 7), '/') - 1) IN (SELECT name FROM vaults);

INSERT INTO certificate_contacts (vault, contacts)
SELECT substr(key, 7, length(key) - 6 - length('/contacts')), value
FROM settings
WHERE substr(key, 1, 6) = 'vault/' AND substr(key, -length('/contacts')) = '/contacts'
  AND substr(key, 7, length(key) - 6 - length('/contacts')) IN (SELECT name FROM vaults);

DELETE FROM settings
WHERE substr(key, 1, 6) = 'vault/'
  AND (substr(key, 7 + instr(substr(key, 7), '/'), length('issuers/')) = 'issuers/' OR substr(key, -length('/contacts')) = '/contacts');
`;
