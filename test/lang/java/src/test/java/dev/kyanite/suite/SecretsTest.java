package dev.kyanite.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.models.DeletedSecret;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** azure-security-keyvault-secrets: the whole lifecycle, paging and versions. */
class SecretsTest {
    private final SecretClient client = Kyanite.secrets();

    @Test
    void setsAndGetsOnTheDefaultVaultAtLocalhost() {
        SecretClient local = Kyanite.secretsOnLocalhost();
        String name = Kyanite.name("local");
        KeyVaultSecret set = local.setSecret(name, "hello from Java");
        assertTrue(set.getId().startsWith(Kyanite.URL + "/secrets/" + name + "/"), set.getId());
        assertEquals("hello from Java", local.getSecret(name).getValue());
    }

    @Test
    void setsGetsVersionsAndUpdatesOnANamedVaultWithChallengeVerification() {
        String name = Kyanite.name("life");
        OffsetDateTime expires = OffsetDateTime.now(ZoneOffset.UTC).plusDays(30).truncatedTo(ChronoUnit.SECONDS);
        KeyVaultSecret first = client.setSecret(new KeyVaultSecret(name, "v1")
            .setProperties(new SecretProperties().setContentType("text/plain").setTags(Map.of("env", "test")).setExpiresOn(expires)));
        assertTrue(first.getId().startsWith(Kyanite.vaultUrl(Kyanite.VAULT) + "/secrets/" + name + "/"), first.getId());
        assertEquals("text/plain", first.getProperties().getContentType());
        assertEquals(expires, first.getProperties().getExpiresOn());
        assertEquals("Recoverable+Purgeable", first.getProperties().getRecoveryLevel());
        KeyVaultSecret second = client.setSecret(name, "v2");
        assertNotEquals(first.getProperties().getVersion(), second.getProperties().getVersion());

        assertEquals("v2", client.getSecret(name).getValue());
        assertEquals("v1", client.getSecret(name, first.getProperties().getVersion()).getValue());

        Set<String> versions = client.listPropertiesOfSecretVersions(name).stream().map(SecretProperties::getVersion).collect(Collectors.toSet());
        assertEquals(Set.of(first.getProperties().getVersion(), second.getProperties().getVersion()), versions);

        SecretProperties props = client.getSecret(name, first.getProperties().getVersion()).getProperties();
        props.setEnabled(false).setTags(Map.of("env", "old"));
        SecretProperties updated = client.updateSecretProperties(props);
        assertFalse(updated.isEnabled());
        assertEquals(Map.of("env", "old"), updated.getTags());
        // A disabled version cannot be read: the service's 403 Forbidden.
        HttpResponseException disabled = assertThrows(HttpResponseException.class, () -> client.getSecret(name, first.getProperties().getVersion()));
        assertEquals(403, disabled.getResponse().getStatusCode());
        // The list names the secret without a version (as the service does) and no value.
        SecretProperties listed = client.listPropertiesOfSecrets().stream().filter(p -> p.getName().equals(name)).findFirst().orElseThrow();
        assertEquals(Kyanite.vaultUrl(Kyanite.VAULT) + "/secrets/" + name, listed.getId());
        assertTrue(listed.isEnabled());
    }

    @Test
    void pagesThroughMoreSecretsThanOnePage() {
        String prefix = Kyanite.name("page");
        for (int i = 0; i < 30; i++) client.setSecret(prefix + "-" + i, "value " + i);
        List<Integer> pageSizes = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (PagedResponse<SecretProperties> page : client.listPropertiesOfSecrets().iterableByPage()) {
            pageSizes.add(page.getValue().size());
            page.getValue().forEach(p -> seen.add(p.getName()));
        }
        assertTrue(pageSizes.size() >= 2, "expected at least two pages, got " + pageSizes);
        assertTrue(pageSizes.get(0) <= 25, "a page holds at most 25: " + pageSizes);
        for (int i = 0; i < 30; i++) assertTrue(seen.contains(prefix + "-" + i), "missing " + prefix + "-" + i);

        String versioned = Kyanite.name("versions");
        for (int i = 0; i < 27; i++) client.setSecret(versioned, "v" + i);
        assertEquals(27, client.listPropertiesOfSecretVersions(versioned).stream().count());
    }

    @Test
    void deletesRecoversBacksUpRestoresAndPurges() {
        String name = Kyanite.name("gone");
        client.setSecret(name, "keep me");
        SyncPoller<DeletedSecret, Void> deleting = client.beginDeleteSecret(name);
        DeletedSecret deleted = deleting.waitForCompletion().getValue();
        assertEquals(name, deleted.getName());
        assertNotNull(deleted.getRecoveryId());
        assertNotNull(deleted.getScheduledPurgeDate());
        assertThrows(ResourceNotFoundException.class, () -> client.getSecret(name));
        assertEquals(name, client.getDeletedSecret(name).getName());
        assertTrue(client.listDeletedSecrets().stream().anyMatch(d -> d.getName().equals(name)));

        client.beginRecoverDeletedSecret(name).waitForCompletion();
        assertEquals("keep me", client.getSecret(name).getValue());

        byte[] backup = client.backupSecret(name);
        assertTrue(backup.length > 0);
        client.beginDeleteSecret(name).waitForCompletion();
        client.purgeDeletedSecret(name);
        ResourceNotFoundException purged = assertThrows(ResourceNotFoundException.class, () -> client.getDeletedSecret(name));
        assertEquals(404, purged.getResponse().getStatusCode());

        KeyVaultSecret restored = client.restoreSecretBackup(backup);
        assertEquals(name, restored.getName());
        assertEquals("keep me", client.getSecret(name).getValue());
    }

    @Test
    void reportsTheServicesErrors() {
        ResourceNotFoundException missing = assertThrows(ResourceNotFoundException.class, () -> client.getSecret(Kyanite.name("never")));
        assertEquals(404, missing.getResponse().getStatusCode());
        assertTrue(missing.getMessage().contains("SecretNotFound"), missing.getMessage());
        HttpResponseException badName = assertThrows(HttpResponseException.class, () -> client.setSecret("bad_name!", "x"));
        assertEquals(400, badName.getResponse().getStatusCode());
    }
}
