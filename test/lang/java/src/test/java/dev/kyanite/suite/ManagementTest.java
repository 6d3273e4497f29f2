package dev.kyanite.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.Region;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.keyvault.KeyVaultManager;
import com.azure.resourcemanager.keyvault.models.DeletedVault;
import com.azure.resourcemanager.keyvault.models.Secret;
import com.azure.resourcemanager.keyvault.models.SkuName;
import com.azure.resourcemanager.keyvault.models.Vault;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * azure-resourcemanager-keyvault (the fluent KeyVaultManager) against Kyanite's ARM routes: an AzureEnvironment whose
 * endpoints are Kyanite, the emulator's subscription, a vault made through the management plane and then used on
 * its data plane (kv-java-arm.vault.localhost, listed in the wrapper's hosts file), soft delete and purge.
 */
class ManagementTest {
    static final String SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
    static final String VAULT = "kv-java-arm";

    static KeyVaultManager manager() {
        String url = Kyanite.URL + "/";
        AzureEnvironment kyanite = new AzureEnvironment(Map.of(
            "resourceManagerEndpointUrl", url,
            "managementEndpointUrl", url,
            "activeDirectoryEndpointUrl", url,
            "microsoftGraphResourceId", url,
            "activeDirectoryGraphResourceId", url));
        return KeyVaultManager.authenticate(Kyanite.sharedCredential(), new AzureProfile(Kyanite.TENANT, SUBSCRIPTION, kyanite));
    }

    @Test
    void createsAVaultUsesItsDataPlaneDeletesAndPurgesIt() {
        KeyVaultManager manager = manager();
        Vault vault = manager.vaults().define(VAULT)
            .withRegion(Region.US_WEST)
            .withNewResourceGroup("rg-java")
            .withEmptyAccessPolicy()
            .withSku(SkuName.STANDARD)
            .withTag("suite", "java")
            .create();
        assertEquals("https://" + VAULT + ".vault.localhost:" + Kyanite.port() + "/", vault.vaultUri());
        assertEquals("westus", vault.regionName());
        assertTrue(vault.softDeleteEnabled());

        // Listed and read back through the management plane.
        assertTrue(manager.vaults().listByResourceGroup("rg-java").stream().anyMatch(v -> v.name().equals(VAULT)));
        Vault read = manager.vaults().getByResourceGroup("rg-java", VAULT);
        assertEquals(Map.of("suite", "java"), read.tags());
        Vault updated = read.update().withTag("owner", "kyanite").apply();
        assertEquals("kyanite", updated.tags().get("owner"));
        assertFalse(manager.vaults().checkNameAvailability(VAULT).nameAvailable());

        // The fluent vault's own secrets (data plane through the manager's pipeline), then a SecretClient on vaultUri.
        Secret secret = updated.secrets().define("from-arm").withValue("made through the management plane").create();
        assertEquals("made through the management plane", secret.getValue());
        SecretClient data = new SecretClientBuilder().vaultUrl(vault.vaultUri()).credential(Kyanite.sharedCredential()).buildClient();
        assertEquals("made through the management plane", data.getSecret("from-arm").getValue());

        // Soft delete: gone from the data plane, listed as deleted, then purged.
        manager.vaults().deleteByResourceGroup("rg-java", VAULT);
        assertThrows(Exception.class, () -> data.getSecret("from-arm"));
        DeletedVault deleted = manager.vaults().getDeleted(VAULT, "westus");
        assertEquals(VAULT, deleted.name());
        assertTrue(manager.vaults().listDeleted().stream().anyMatch(d -> d.name().equals(VAULT)));
        manager.vaults().purgeDeleted(VAULT, "westus");
        ManagementException purged = assertThrows(ManagementException.class, () -> manager.vaults().getDeleted(VAULT, "westus"));
        assertEquals(404, purged.getResponse().getStatusCode());
        assertTrue(manager.vaults().checkNameAvailability(VAULT).nameAvailable());
    }
}
