package dev.kyanite.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.exception.HttpResponseException;
import com.azure.security.keyvault.administration.KeyVaultAccessControlClient;
import com.azure.security.keyvault.administration.KeyVaultAccessControlClientBuilder;
import com.azure.security.keyvault.administration.KeyVaultBackupClient;
import com.azure.security.keyvault.administration.KeyVaultBackupClientBuilder;
import com.azure.security.keyvault.administration.KeyVaultSettingsClient;
import com.azure.security.keyvault.administration.KeyVaultSettingsClientBuilder;
import com.azure.security.keyvault.administration.models.KeyVaultRoleScope;
import org.junit.jupiter.api.Test;

/**
 * azure-security-keyvault-administration: its three clients (settings, RBAC on the data plane, full backup/restore)
 * are Managed HSM features, and Kyanite emulates vaults, not HSMs (docs/clients/java.md). What it serves them is the
 * service's answer for a route a vault does not have: after the client's challenge round (which must work, or the
 * clients would never get this far), 404 with Key Vault's error body, raised by the SDK as HttpResponseException.
 * Vault RBAC is served on the management plane instead (Microsoft.Authorization role assignments, docs/identity.md).
 */
class AdministrationTest {
    static void assertNotServed(HttpResponseException e) {
        assertEquals(404, e.getResponse().getStatusCode(), e.getMessage());
        assertTrue(e.getMessage().contains("\"code\":\"NotFound\""), e.getMessage());
    }

    @Test
    void settingsClientGetsTheNotFoundOfAVault() {
        KeyVaultSettingsClient settings = new KeyVaultSettingsClientBuilder().vaultUrl(Kyanite.vaultUrl(Kyanite.VAULT))
            .credential(Kyanite.sharedCredential()).buildClient();
        assertNotServed(assertThrows(HttpResponseException.class, settings::getSettings));
        assertNotServed(assertThrows(HttpResponseException.class, () -> settings.getSetting("AllowKeyManagementOperationsThroughARM")));
    }

    @Test
    void accessControlClientGetsTheNotFoundOfAVault() {
        KeyVaultAccessControlClient rbac = new KeyVaultAccessControlClientBuilder().vaultUrl(Kyanite.vaultUrl(Kyanite.VAULT))
            .credential(Kyanite.sharedCredential()).buildClient();
        assertNotServed(assertThrows(HttpResponseException.class, () -> rbac.listRoleDefinitions(KeyVaultRoleScope.GLOBAL).stream().count()));
        assertNotServed(assertThrows(HttpResponseException.class, () -> rbac.listRoleAssignments(KeyVaultRoleScope.GLOBAL).stream().count()));
    }

    @Test
    void backupClientGetsTheNotFoundOfAVault() {
        KeyVaultBackupClient backup = new KeyVaultBackupClientBuilder().vaultUrl(Kyanite.vaultUrl(Kyanite.VAULT))
            .credential(Kyanite.sharedCredential()).buildClient();
        HttpResponseException e = assertThrows(HttpResponseException.class,
            () -> backup.beginBackup("https://kyanite.blob.core.windows.net/backups", "sv=2024&sig=x").waitForCompletion());
        assertNotServed(e);
    }
}
