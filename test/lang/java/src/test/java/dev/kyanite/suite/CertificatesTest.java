package dev.kyanite.suite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.SyncPoller;
import com.azure.security.keyvault.certificates.CertificateClient;
import com.azure.security.keyvault.certificates.models.AdministratorContact;
import com.azure.security.keyvault.certificates.models.CertificateContact;
import com.azure.security.keyvault.certificates.models.CertificateContentType;
import com.azure.security.keyvault.certificates.models.CertificateIssuer;
import com.azure.security.keyvault.certificates.models.CertificateKeyCurveName;
import com.azure.security.keyvault.certificates.models.CertificateKeyType;
import com.azure.security.keyvault.certificates.models.CertificateOperation;
import com.azure.security.keyvault.certificates.models.CertificatePolicy;
import com.azure.security.keyvault.certificates.models.ImportCertificateOptions;
import com.azure.security.keyvault.certificates.models.IssuerProperties;
import com.azure.security.keyvault.certificates.models.KeyVaultCertificateWithPolicy;
import com.azure.security.keyvault.certificates.models.MergeCertificateOptions;
import com.azure.security.keyvault.certificates.models.SubjectAlternativeNames;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.azure.security.keyvault.secrets.SecretClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** azure-security-keyvault-certificates: self-signed, import PFX/PEM, CSR then merge, issuers, contacts, policy. */
class CertificatesTest {
    private final CertificateClient client = Kyanite.certificates();
    private final SecretClient secrets = Kyanite.secrets();

    static X509Certificate x509(byte[] der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    @Test
    void createsASelfSignedCertificateTheJdkAcceptsWithItsKeyAndSecret() throws Exception {
        String name = Kyanite.name("web");
        CertificatePolicy policy = new CertificatePolicy("Self", "CN=java.kyanite.test")
            .setSubjectAlternativeNames(new SubjectAlternativeNames().setDnsNames(List.of("java.kyanite.test", "www.java.kyanite.test")))
            .setValidityInMonths(6)
            .setKeySize(3072);
        SyncPoller<CertificateOperation, KeyVaultCertificateWithPolicy> poller = client.beginCreateCertificate(name, policy);
        assertEquals(LongRunningOperationStatus.SUCCESSFULLY_COMPLETED, poller.waitForCompletion().getStatus());
        KeyVaultCertificateWithPolicy cert = poller.getFinalResult();
        assertEquals("CN=java.kyanite.test", cert.getPolicy().getSubject());

        X509Certificate x509 = x509(cert.getCer());
        x509.verify(x509.getPublicKey()); // self-signed
        x509.checkValidity();
        assertEquals("CN=java.kyanite.test", x509.getSubjectX500Principal().getName());
        assertEquals(3072, ((RSAPublicKey) x509.getPublicKey()).getModulus().bitLength());
        Set<String> dns = x509.getSubjectAlternativeNames().stream().map(e -> (String) e.get(1)).collect(Collectors.toSet());
        assertEquals(Set.of("java.kyanite.test", "www.java.kyanite.test"), dns);
        long months = Math.round((x509.getNotAfter().getTime() - x509.getNotBefore().getTime()) / (30.4 * 86_400_000));
        assertEquals(6, months);

        // The secret is a PKCS#12 with the empty password: the JDK loads the key and the same certificate.
        String pfx = secrets.getSecret(name).getValue();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(new ByteArrayInputStream(Base64.getDecoder().decode(pfx)), "".toCharArray());
        String alias = store.aliases().nextElement();
        assertEquals(x509, store.getCertificate(alias));
        PrivateKey privateKey = (PrivateKey) store.getKey(alias, "".toCharArray());
        assertNotNull(privateKey);

        // The certificate's key signs in the vault; the JDK verifies with the certificate.
        var crypto = new CryptographyClientBuilder().keyIdentifier(cert.getKeyId()).credential(Kyanite.sharedCredential()).buildClient();
        byte[] data = "signed by the certificate's key".getBytes(StandardCharsets.UTF_8);
        byte[] sig = crypto.signData(SignatureAlgorithm.RS256, data).getSignature();
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(x509);
        verifier.update(data);
        assertTrue(verifier.verify(sig));
    }

    @Test
    void createsAnEcCertificateWithAPemSecret() throws Exception {
        String name = Kyanite.name("ec");
        CertificatePolicy policy = new CertificatePolicy("Self", "CN=ec.kyanite.test")
            .setKeyType(CertificateKeyType.EC).setKeyCurveName(CertificateKeyCurveName.P_384).setContentType(CertificateContentType.PEM);
        KeyVaultCertificateWithPolicy cert = client.beginCreateCertificate(name, policy).getFinalResult();
        X509Certificate x509 = x509(cert.getCer());
        x509.verify(x509.getPublicKey());
        assertEquals(384, ((ECPublicKey) x509.getPublicKey()).getParams().getCurve().getField().getFieldSize());
        String pem = secrets.getSecret(name).getValue();
        assertTrue(pem.contains("-----BEGIN PRIVATE KEY-----"), pem);
        assertTrue(pem.contains("-----BEGIN CERTIFICATE-----"), pem);
        assertEquals(CertificateContentType.PEM, client.getCertificatePolicy(name).getContentType());
    }

    @Test
    void importsAPkcs12WithAPasswordAndAPemBundle() throws Exception {
        KeyPair pair = LocalCa.rsaKeyPair();
        X509Certificate own = LocalCa.selfSigned("CN=imported.kyanite.test", pair);
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        p12.load(null, null);
        p12.setKeyEntry("imported", pair.getPrivate(), "s3cret".toCharArray(), new java.security.cert.Certificate[] {own});
        ByteArrayOutputStream pfx = new ByteArrayOutputStream();
        p12.store(pfx, "s3cret".toCharArray());

        String name = Kyanite.name("pfx");
        KeyVaultCertificateWithPolicy imported = client.importCertificate(new ImportCertificateOptions(name, pfx.toByteArray()).setPassword("s3cret"));
        assertArrayEquals(own.getEncoded(), imported.getCer());
        HttpResponseException wrongPassword = assertThrows(HttpResponseException.class,
            () -> client.importCertificate(new ImportCertificateOptions(Kyanite.name("pfx-bad"), pfx.toByteArray()).setPassword("wrong")));
        assertEquals(400, wrongPassword.getResponse().getStatusCode());

        // PEM: PKCS#8 key, the leaf, then its CA.
        LocalCa ca = new LocalCa("CN=Kyanite Java Test CA");
        KeyPair leafKeys = LocalCa.rsaKeyPair();
        X509Certificate leaf = ca.issue("CN=pem.kyanite.test", leafKeys.getPublic());
        String pem = pem("PRIVATE KEY", leafKeys.getPrivate().getEncoded()) + pem("CERTIFICATE", leaf.getEncoded()) + pem("CERTIFICATE", ca.certificate.getEncoded());
        String pemName = Kyanite.name("pem");
        KeyVaultCertificateWithPolicy fromPem = client.importCertificate(new ImportCertificateOptions(pemName, pem.getBytes(StandardCharsets.US_ASCII))
            .setPolicy(new CertificatePolicy("Unknown", "CN=pem.kyanite.test").setContentType(CertificateContentType.PEM)));
        assertArrayEquals(leaf.getEncoded(), fromPem.getCer());
        x509(fromPem.getCer()).verify(ca.certificate.getPublicKey());
    }

    @Test
    void signsTheVaultsCsrWithALocalCaAndMergesTheChain() throws Exception {
        String name = Kyanite.name("merged");
        client.beginCreateCertificate(name, new CertificatePolicy("Unknown", "CN=merged.kyanite.test"));
        CertificateOperation pending = client.getCertificateOperation(name).poll().getValue();
        assertEquals("inProgress", pending.getStatus());
        byte[] csr = pending.getCsr();
        assertNotNull(csr);

        LocalCa ca = new LocalCa("CN=Kyanite Merge CA");
        X509Certificate leaf = ca.sign(csr);
        // A certificate for another key is refused.
        X509Certificate other = ca.issue("CN=merged.kyanite.test", LocalCa.rsaKeyPair().getPublic());
        HttpResponseException mismatch = assertThrows(HttpResponseException.class,
            () -> client.mergeCertificate(new MergeCertificateOptions(name, List.of(other.getEncoded()))));
        assertEquals(400, mismatch.getResponse().getStatusCode());

        KeyVaultCertificateWithPolicy merged = client.mergeCertificate(new MergeCertificateOptions(name, List.of(leaf.getEncoded(), ca.certificate.getEncoded())));
        assertArrayEquals(leaf.getEncoded(), merged.getCer());
        x509(merged.getCer()).verify(ca.certificate.getPublicKey());
        assertEquals("completed", client.getCertificateOperation(name).poll().getValue().getStatus());
    }

    @Test
    void readsAndUpdatesThePolicyAndPropertiesAndListsVersions() {
        String name = Kyanite.name("pol");
        client.beginCreateCertificate(name, CertificatePolicy.getDefault()).waitForCompletion();
        CertificatePolicy policy = client.getCertificatePolicy(name);
        assertEquals("Self", policy.getIssuerName());
        assertEquals(CertificateKeyType.RSA, policy.getKeyType());
        assertEquals(2048, policy.getKeySize());
        policy.setValidityInMonths(3).setSubject("CN=updated.kyanite.test");
        CertificatePolicy updated = client.updateCertificatePolicy(name, policy);
        assertEquals(3, updated.getValidityInMonths());
        client.beginCreateCertificate(name, updated).waitForCompletion();
        assertEquals(2, client.listPropertiesOfCertificateVersions(name).stream().count());
        var props = client.getCertificate(name).getProperties().setTags(java.util.Map.of("owner", "java"));
        assertEquals(java.util.Map.of("owner", "java"), client.updateCertificateProperties(props).getProperties().getTags());
        assertTrue(client.listPropertiesOfCertificates().stream().anyMatch(p -> p.getName().equals(name)));
    }

    @Test
    void deletesRecoversBacksUpRestoresAndPurges() {
        String name = Kyanite.name("gone");
        KeyVaultCertificateWithPolicy cert = client.beginCreateCertificate(name, CertificatePolicy.getDefault()).getFinalResult();
        client.beginDeleteCertificate(name).waitForCompletion();
        assertThrows(ResourceNotFoundException.class, () -> client.getCertificate(name));
        assertTrue(client.listDeletedCertificates().stream().anyMatch(d -> d.getName().equals(name)));
        client.beginRecoverDeletedCertificate(name).waitForCompletion();
        assertEquals(cert.getId(), client.getCertificate(name).getId());
        byte[] backup = client.backupCertificate(name);
        client.beginDeleteCertificate(name).waitForCompletion();
        client.purgeDeletedCertificate(name);
        assertThrows(ResourceNotFoundException.class, () -> client.getDeletedCertificate(name));
        assertArrayEquals(cert.getCer(), client.restoreCertificateBackup(backup).getCer());
    }

    @Test
    void managesIssuersAndContacts() {
        String issuerName = Kyanite.name("issuer");
        CertificateIssuer created = client.createIssuer(new CertificateIssuer(issuerName, "Test")
            .setAccountId("acct").setPassword("pw").setOrganizationId("org")
            .setAdministratorContacts(List.of(new AdministratorContact().setFirstName("Ada").setLastName("Lovelace").setEmail("ada@kyanite.test"))));
        assertEquals("Test", created.getProvider());
        assertEquals("acct", client.getIssuer(issuerName).getAccountId());
        assertTrue(client.listPropertiesOfIssuers().stream().map(IssuerProperties::getName).anyMatch(issuerName::equals));
        assertFalse(client.updateIssuer(client.getIssuer(issuerName).setEnabled(false)).isEnabled());
        assertEquals(issuerName, client.deleteIssuer(issuerName).getName());
        assertThrows(ResourceNotFoundException.class, () -> client.getIssuer(issuerName));

        List<CertificateContact> contacts = List.of(new CertificateContact().setName("Ops").setEmail("ops@kyanite.test").setPhone("555-0100"));
        assertEquals(List.of("ops@kyanite.test"), client.setContacts(contacts).stream().map(CertificateContact::getEmail).collect(Collectors.toList()));
        assertEquals(List.of("Ops"), client.listContacts().stream().map(CertificateContact::getName).collect(Collectors.toList()));
        Collection<CertificateContact> deleted = client.deleteContacts().stream().collect(Collectors.toList());
        assertEquals(1, deleted.size());
        // With none set, the service answers 404 ContactsNotFound (recorded), which the SDK raises.
        ResourceNotFoundException none = assertThrows(ResourceNotFoundException.class, () -> client.listContacts().stream().count());
        assertTrue(none.getMessage().contains("ContactsNotFound"), none.getMessage());
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }
}
