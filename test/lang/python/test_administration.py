"""azure-keyvault-administration against Kyanite. Its three clients drive Managed HSM features (settings, data-plane
RBAC, full backup/restore), which Kyanite does not emulate: it has no Managed HSM. What it does serve is a clean
answer, so an application probing for them gets the SDK's ResourceNotFoundError with Key Vault's error body, never
a hang or a 500. (Vault RBAC itself is served through ARM role assignments: docs/identity.md.)"""
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.keyvault.administration import (KeyVaultAccessControlClient, KeyVaultBackupClient, KeyVaultRoleScope,
                                           KeyVaultSettingsClient)

CALLS = {
    'settings': lambda url, cred: list(KeyVaultSettingsClient(url, cred).list_settings()),
    'role definitions': lambda url, cred: list(
        KeyVaultAccessControlClient(url, cred).list_role_definitions(KeyVaultRoleScope.GLOBAL)),
    'role assignments': lambda url, cred: list(
        KeyVaultAccessControlClient(url, cred).list_role_assignments(KeyVaultRoleScope.GLOBAL)),
    'full backup': lambda url, cred: KeyVaultBackupClient(url, cred).begin_backup(
        'https://account.blob.core.windows.net/backups', use_managed_identity=True).result(),
}


@pytest.mark.parametrize('operation', list(CALLS))
def test_managed_hsm_operations_are_a_clean_404(vault_url, credential, operation):
    with pytest.raises(ResourceNotFoundError) as missing:
        CALLS[operation](vault_url, credential)
    assert missing.value.status_code == 404
    assert missing.value.error.code == 'NotFound'
