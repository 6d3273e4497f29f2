package dev.kyanite.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenRequestContext;
import com.azure.identity.DefaultAzureCredential;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import java.util.Base64;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * `new DefaultAzureCredentialBuilder().build()` with an App Service managed identity from the environment only:
 * IDENTITY_ENDPOINT=https://localhost:PORT/msi/token IDENTITY_HEADER=kyanite (set by the pom's env-managed-identity
 * execution).
 */
@Tag("env-managed-identity")
class IdentityManagedTest {
    @Test
    void defaultAzureCredentialFromIdentityEndpointReachesANamedVault() {
        assertNull(System.getenv("AZURE_CLIENT_ID"));
        assertEquals("kyanite", System.getenv("IDENTITY_HEADER"));
        DefaultAzureCredential credential = new DefaultAzureCredentialBuilder().build();
        SecretClient client = new SecretClientBuilder().vaultUrl(Kyanite.vaultUrl(Kyanite.VAULT)).credential(credential).buildClient();
        String name = Kyanite.name("env-mi");
        client.setSecret(name, "from a managed identity");
        assertEquals("from a managed identity", client.getSecret(name).getValue());

        AccessToken token = credential.getTokenSync(new TokenRequestContext().addScopes("https://vault.azure.net/.default"));
        String payload = new String(Base64.getUrlDecoder().decode(token.getToken().split("\\.")[1]));
        // The system-assigned identity's client id (docs/identity.md).
        assertTrue(payload.contains("\"appid\":\"3cf1c726-808e-4e8d-b60e-b8f4fca971c1\""), payload);
    }
}
