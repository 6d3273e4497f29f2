package dev.kyanite.suite;

import com.azure.core.credential.TokenCredential;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.security.keyvault.certificates.CertificateClient;
import com.azure.security.keyvault.certificates.CertificateClientBuilder;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.UUID;

/**
 * Where Kyanite is and how this JVM trusts it, from environment variables only (the wrapper,
 * test/e2e/lang.java.test.ts, sets them):
 * KYANITE_URL (https://localhost:PORT, the default vault, the token service and ARM), KYANITE_CA (the data dir's
 * tls/ca.pem) and KYANITE_VAULT (a vault started with --vault; NAME.vault.localhost resolves through the
 * -Djdk.net.hosts.file that surefire's argLine names).
 *
 * Trust is what a user sets up: a PKCS12 truststore built from ca.pem and the standard javax.net.ssl.trustStore
 * properties. They are set before any TLS context exists (this class's static initialiser runs before a client is
 * built), and the SDK's default HTTP client (Netty, with or without netty-tcnative) reads them through the JDK's
 * default TrustManagerFactory.
 */
public final class Kyanite {
    public static final String URL = required("KYANITE_URL").replaceAll("/+$", "");
    public static final Path CA = Path.of(required("KYANITE_CA"));
    public static final String VAULT = required("KYANITE_VAULT");
    public static final Path TRUSTSTORE;
    public static final String TRUSTSTORE_PASSWORD = "changeit";

    static {
        try {
            TRUSTSTORE = Path.of("target", "kyanite-truststore.p12").toAbsolutePath();
            Files.createDirectories(TRUSTSTORE.getParent());
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("kyanite", caCertificate());
            try (OutputStream out = Files.newOutputStream(TRUSTSTORE)) {
                store.store(out, TRUSTSTORE_PASSWORD.toCharArray());
            }
            System.setProperty("javax.net.ssl.trustStore", TRUSTSTORE.toString());
            System.setProperty("javax.net.ssl.trustStorePassword", TRUSTSTORE_PASSWORD);
            System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The emulator's tenant (docs/identity.md). */
    public static final String TENANT = "00000000-0000-0000-0000-000000000000";

    private Kyanite() {}

    static String required(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank() || value.startsWith("${")) {
            throw new IllegalStateException(name + " is not set: run this suite through test/e2e/lang.java.test.ts "
                + "(npx vitest run test/e2e/lang.java.test.ts), which starts Kyanite and sets it");
        }
        return value;
    }

    public static X509Certificate caCertificate() throws Exception {
        try (InputStream in = Files.newInputStream(CA)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** The port Kyanite picked (from KYANITE_URL). */
    public static int port() {
        return java.net.URI.create(URL).getPort();
    }

    /** https://NAME.vault.localhost:PORT, the README's vault URL form (challenge verification stays on). */
    public static String vaultUrl(String name) {
        return "https://" + name + ".vault.localhost:" + port();
    }

    /**
     * A service principal through Kyanite's token service. Tenant adfs: MSAL skips instance discovery, and Kyanite's
     * challenge names adfs to Java clients (docs/clients/java.md).
     */
    public static TokenCredential credential() {
        return new ClientSecretCredentialBuilder()
            .authorityHost(URL)
            .tenantId("adfs")
            .clientId("java-suite")
            .clientSecret("java-suite-secret")
            .build();
    }

    private static final TokenCredential CREDENTIAL = credential();

    /** The default vault on https://localhost:PORT: no parent domain to check the challenge resource against. */
    public static SecretClient secretsOnLocalhost() {
        return new SecretClientBuilder().vaultUrl(URL).credential(CREDENTIAL).disableChallengeResourceVerification().buildClient();
    }

    public static SecretClient secrets() {
        return new SecretClientBuilder().vaultUrl(vaultUrl(VAULT)).credential(CREDENTIAL).buildClient();
    }

    public static KeyClient keys() {
        return new KeyClientBuilder().vaultUrl(vaultUrl(VAULT)).credential(CREDENTIAL).buildClient();
    }

    public static CertificateClient certificates() {
        return new CertificateClientBuilder().vaultUrl(vaultUrl(VAULT)).credential(CREDENTIAL).buildClient();
    }

    public static TokenCredential sharedCredential() {
        return CREDENTIAL;
    }

    /** A fresh object name, so test classes and reruns never collide. */
    public static String name(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
