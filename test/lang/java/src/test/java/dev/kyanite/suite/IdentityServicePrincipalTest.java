package dev.kyanite.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * `new DefaultAzureCredentialBuilder().build()` with a service principal from the environment only:
 * AZURE_AUTHORITY_HOST=https://localhost:PORT AZURE_TENANT_ID=adfs AZURE_CLIENT_ID AZURE_CLIENT_SECRET (set by the
 * pom's env-service-principal execution), token from Kyanite's token service.
 */
@Tag("env-service-principal")
class IdentityServicePrincipalTest {
    @Test
    void defaultAzureCredentialFromEnvironmentVariablesReachesANamedVault() {
        assertEquals("java-env-app", System.getenv("AZURE_CLIENT_ID"));
        DefaultAzureCredential credential = new DefaultAzureCredentialBuilder().build();
        SecretClient client = new SecretClientBuilder().vaultUrl(Kyanite.vaultUrl(Kyanite.VAULT)).credential(credential).buildClient();
        String name = Kyanite.name("env-sp");
        client.setSecret(name, "from a service principal");
        assertEquals("from a service principal", client.getSecret(name).getValue());

        AccessToken token = credential.getTokenSync(new TokenRequestContext().addScopes("https://vault.azure.net/.default"));
        String payload = new String(Base64.getUrlDecoder().decode(token.getToken().split("\\.")[1]));
        assertTrue(payload.contains("\"appid\":\"java-env-app\""), payload);
        assertTrue(payload.contains("\"aud\":\"https://vault.azure.net\""), payload);
    }
}
