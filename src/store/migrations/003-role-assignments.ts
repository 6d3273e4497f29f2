/**
 * Schema 3. Azure RBAC role assignments made through Microsoft.Authorization on the management plane. They get a
 * table of their own rather than a place in a vault's properties: an assignment's scope may be a subscription or a
 * resource group that holds many vaults (or a single secret inside one), and it outlives the vaults it covers, as
 * in Azure. `name` is the assignment's GUID, unique across scopes as ARM keeps it.
 */
export default `
CREATE TABLE role_assignments (
  name                TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
  scope               TEXT NOT NULL COLLATE NOCASE,
  role_definition_id  TEXT NOT NULL,
  principal_id        TEXT NOT NULL COLLATE NOCASE,
  properties          TEXT NOT NULL,
  created             INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX role_assignments_by_principal ON role_assignments (principal_id);
`;
