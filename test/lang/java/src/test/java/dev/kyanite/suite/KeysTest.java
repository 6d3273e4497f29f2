package dev.kyanite.suite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.util.BinaryData;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.models.CreateEcKeyOptions;
import com.azure.security.keyvault.keys.models.CreateOctKeyOptions;
import com.azure.security.keyvault.keys.models.CreateRsaKeyOptions;
import com.azure.security.keyvault.keys.models.ImportKeyOptions;
import com.azure.security.keyvault.keys.models.JsonWebKey;
import com.azure.security.keyvault.keys.models.KeyCurveName;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyReleasePolicy;
import com.azure.security.keyvault.keys.models.KeyRotationLifetimeAction;
import com.azure.security.keyvault.keys.models.KeyRotationPolicy;
import com.azure.security.keyvault.keys.models.KeyRotationPolicyAction;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

/** azure-security-keyvault-keys: every key type and curve, import, rotation, rotation policy, release. */
class KeysTest {
    private final KeyClient client = Kyanite.keys();

    @Test
    void createsEveryKeyTypeSizeAndCurve() throws Exception {
        for (int size : new int[] {2048, 3072, 4096}) {
            KeyVaultKey rsa = client.createRsaKey(new CreateRsaKeyOptions(Kyanite.name("rsa" + size)).setKeySize(size));
            assertEquals(KeyType.RSA, rsa.getKeyType());
            assertEquals(size, ((RSAPublicKey) rsa.getKey().toRsa().getPublic()).getModulus().bitLength());
        }
        KeyVaultKey rsaHsm = client.createRsaKey(new CreateRsaKeyOptions(Kyanite.name("rsahsm")).setHardwareProtected(true));
        assertEquals(KeyType.RSA_HSM, rsaHsm.getKeyType());

        Map<KeyCurveName, Integer> fieldBits = Map.of(KeyCurveName.P_256, 256, KeyCurveName.P_384, 384, KeyCurveName.P_521, 521);
        for (var curve : fieldBits.entrySet()) {
            KeyVaultKey ec = client.createEcKey(new CreateEcKeyOptions(Kyanite.name("ec")).setCurveName(curve.getKey()));
            assertEquals(KeyType.EC, ec.getKeyType());
            assertEquals(curve.getKey(), ec.getKey().getCurveName());
            // The JDK builds the public key from x and y, checking the point's curve.
            ECPublicKey pub = (ECPublicKey) ec.getKey().toEc().getPublic();
            assertEquals(curve.getValue(), pub.getParams().getCurve().getField().getFieldSize());
        }
        KeyVaultKey k1 = client.createEcKey(new CreateEcKeyOptions(Kyanite.name("ec256k")).setCurveName(KeyCurveName.P_256K));
        assertEquals(KeyCurveName.P_256K, k1.getKey().getCurveName());
        ECPublicKey k1pub = (ECPublicKey) k1.getKey().toEc(false, new BouncyCastleProvider()).getPublic();
        assertEquals(256, k1pub.getParams().getCurve().getField().getFieldSize());
        KeyVaultKey ecHsm = client.createEcKey(new CreateEcKeyOptions(Kyanite.name("echsm")).setCurveName(KeyCurveName.P_384).setHardwareProtected(true));
        assertEquals(KeyType.EC_HSM, ecHsm.getKeyType());

        for (int size : new int[] {128, 192, 256}) {
            KeyVaultKey oct = client.createOctKey(new CreateOctKeyOptions(Kyanite.name("oct" + size)).setKeySize(size).setHardwareProtected(true));
            assertEquals(KeyType.OCT_HSM, oct.getKeyType());
            assertEquals(null, oct.getKey().getK(), "a symmetric key's bytes never leave the vault");
        }
    }

    @Test
    void importsRsaEcAndAesKeysMadeByJavaSecurity() throws Exception {
        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        KeyPair rsa = rsaGen.generateKeyPair();
        KeyVaultKey importedRsa = client.importKey(new ImportKeyOptions(Kyanite.name("imp-rsa"), JsonWebKey.fromRsa(rsa)).setHardwareProtected(true));
        assertEquals(KeyType.RSA_HSM, importedRsa.getKeyType());
        assertEquals(((RSAPublicKey) rsa.getPublic()).getModulus(), ((RSAPublicKey) importedRsa.getKey().toRsa().getPublic()).getModulus());
        assertEquals(null, importedRsa.getKey().getD(), "the private part is not returned");

        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
        ecGen.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair ec = ecGen.generateKeyPair();
        KeyVaultKey importedEc = client.importKey(Kyanite.name("imp-ec"), JsonWebKey.fromEc(ec, KeyPairGenerator.getInstance("EC").getProvider()));
        assertEquals(KeyCurveName.P_384, importedEc.getKey().getCurveName());
        assertEquals(((ECPublicKey) ec.getPublic()).getW(), ((ECPublicKey) importedEc.getKey().toEc().getPublic()).getW());

        KeyGenerator aesGen = KeyGenerator.getInstance("AES");
        aesGen.init(256);
        SecretKey aes = aesGen.generateKey();
        JsonWebKey octJwk = JsonWebKey.fromAes(aes).setKeyType(KeyType.OCT_HSM);
        KeyVaultKey importedOct = client.importKey(Kyanite.name("imp-oct"), octJwk);
        assertEquals(KeyType.OCT_HSM, importedOct.getKeyType());
    }

    @Test
    void updatesRotatesKeepsARotationPolicyAndListsVersions() {
        String name = Kyanite.name("rot");
        KeyVaultKey first = client.createRsaKey(new CreateRsaKeyOptions(name).setTags(Map.of("team", "java")));
        // A key that never had a policy reports the service's default (notify 30 days before expiry).
        KeyRotationPolicy initial = client.getKeyRotationPolicy(name);
        assertEquals(1, initial.getLifetimeActions().size());
        assertEquals(KeyRotationPolicyAction.NOTIFY, initial.getLifetimeActions().get(0).getAction());
        assertEquals("P30D", initial.getLifetimeActions().get(0).getTimeBeforeExpiry());

        KeyRotationPolicy policy = new KeyRotationPolicy()
            .setExpiresIn("P90D")
            .setLifetimeActions(List.of(
                new KeyRotationLifetimeAction(KeyRotationPolicyAction.ROTATE).setTimeAfterCreate("P60D"),
                new KeyRotationLifetimeAction(KeyRotationPolicyAction.NOTIFY).setTimeBeforeExpiry("P7D")));
        KeyRotationPolicy stored = client.updateKeyRotationPolicy(name, policy);
        assertEquals("P90D", stored.getExpiresIn());
        assertNotNull(stored.getId());
        KeyRotationPolicy read = client.getKeyRotationPolicy(name);
        assertEquals("P90D", read.getExpiresIn());
        assertEquals(Set.of("P60D"), read.getLifetimeActions().stream().filter(a -> a.getAction() == KeyRotationPolicyAction.ROTATE)
            .map(KeyRotationLifetimeAction::getTimeAfterCreate).collect(Collectors.toSet()));

        KeyVaultKey rotated = client.rotateKey(name);
        assertNotEquals(first.getProperties().getVersion(), rotated.getProperties().getVersion());
        assertNotEquals(new BigInteger(1, first.getKey().getN()), new BigInteger(1, rotated.getKey().getN()));
        // The rotation applies the policy's expiresIn to the new version.
        assertNotNull(rotated.getProperties().getExpiresOn());
        assertEquals(Map.of("team", "java"), rotated.getProperties().getTags());
        assertEquals(2, client.listPropertiesOfKeyVersions(name).stream().count());

        KeyProperties props = rotated.getProperties().setEnabled(false).setTags(Map.of("team", "ops"));
        KeyVaultKey updated = client.updateKeyProperties(props, KeyOperation.SIGN, KeyOperation.VERIFY);
        assertFalse(updated.getProperties().isEnabled());
        assertEquals(Set.of(KeyOperation.SIGN, KeyOperation.VERIFY), Set.copyOf(updated.getKeyOperations()));
        // A disabled key still reads (200, enabled false), as the service answers (docs/fidelity.md).
        assertFalse(client.getKey(name).getProperties().isEnabled());
        assertEquals(first.getId(), client.getKey(name, first.getProperties().getVersion()).getId());
        assertTrue(client.listPropertiesOfKeys().stream().anyMatch(p -> p.getName().equals(name)));
    }

    @Test
    void deletesRecoversBacksUpRestoresAndPurges() {
        String name = Kyanite.name("gone");
        KeyVaultKey key = client.createEcKey(new CreateEcKeyOptions(name));
        var deleted = client.beginDeleteKey(name).waitForCompletion().getValue();
        assertEquals(name, deleted.getName());
        assertNotNull(deleted.getRecoveryId());
        assertThrows(ResourceNotFoundException.class, () -> client.getKey(name));
        assertTrue(client.listDeletedKeys().stream().anyMatch(d -> d.getName().equals(name)));
        client.beginRecoverDeletedKey(name).waitForCompletion();
        assertEquals(key.getId(), client.getKey(name).getId());

        byte[] backup = client.backupKey(name);
        client.beginDeleteKey(name).waitForCompletion();
        client.purgeDeletedKey(name);
        assertThrows(ResourceNotFoundException.class, () -> client.getDeletedKey(name));
        KeyVaultKey restored = client.restoreKeyBackup(backup);
        assertEquals(key.getId(), restored.getId());
        assertArrayEquals(key.getKey().getX(), restored.getKey().getX());
    }

    @Test
    void getsRandomBytes() {
        byte[] a = client.getRandomBytes(32);
        byte[] b = client.getRandomBytes(32);
        assertEquals(32, a.length);
        assertFalse(Arrays.equals(a, b));
    }

    @Test
    void releasesAnExportableKeyToTheAttestedRuntimeKey() throws Exception {
        String authority = "https://kyanite-java.attest.azure.net";
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair target = gen.generateKeyPair();
        RSAPublicKey targetPub = (RSAPublicKey) target.getPublic();
        String runtimeKey = "{\"kty\":\"RSA\",\"kid\":\"tk\",\"key_ops\":[\"encrypt\"],\"n\":\"" + Jwt.b64u(unsigned(targetPub.getModulus()))
            + "\",\"e\":\"" + Jwt.b64u(unsigned(targetPub.getPublicExponent())) + "\"}";
        String token = Jwt.b64u("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
            + Jwt.b64u(("{\"iss\":\"" + authority + "\",\"x-ms-attestation-type\":\"sevsnpvm\",\"x-ms-runtime\":{\"keys\":[" + runtimeKey + "]}}").getBytes(StandardCharsets.UTF_8))
            + "." + Jwt.b64u(client.getRandomBytes(64));
        String policy = "{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":\"" + authority + "\",\"allOf\":[{\"claim\":\"x-ms-attestation-type\",\"equals\":\"sevsnpvm\"}]}]}";

        String name = Kyanite.name("skr");
        KeyVaultKey key = client.createRsaKey(new CreateRsaKeyOptions(name).setExportable(true)
            .setReleasePolicy(new KeyReleasePolicy(BinaryData.fromString(policy))));
        assertTrue(key.getProperties().isExportable());

        String released = client.releaseKeyWithResponse(name, null, token,
            new com.azure.security.keyvault.keys.models.ReleaseKeyOptions().setNonce("java-nonce"), com.azure.core.util.Context.NONE).getValue().getValue();
        Map<String, Object> payload = Jwt.payload(released);
        assertEquals("java-nonce", Jwt.map(payload.get("request")).get("nonce"));
        Map<String, Object> releasedKey = Jwt.map(Jwt.map(Jwt.map(payload.get("response")).get("key")).get("key"));
        assertEquals(key.getId(), releasedKey.get("kid"));
        Map<String, Object> blob = Jwt.json(Jwt.fromB64u((String) releasedKey.get("key_hsm")));
        assertEquals("CKM_RSA_AES_KEY_WRAP", Jwt.map(blob.get("header")).get("enc"));
        byte[] ciphertext = Jwt.fromB64u((String) blob.get("ciphertext"));

        // CKM_RSA_AES_KEY_WRAP: RSA-OAEP (SHA-1) of an AES key, then AES key wrap with padding (RFC 5649) of the key.
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
        oaep.init(Cipher.DECRYPT_MODE, target.getPrivate(), new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
        byte[] aesKey = oaep.doFinal(Arrays.copyOfRange(ciphertext, 0, 256));
        Cipher kwp = Cipher.getInstance("AES/KWP/NoPadding");
        kwp.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, "AES"));
        byte[] pkcs8 = kwp.doFinal(Arrays.copyOfRange(ciphertext, 256, ciphertext.length));
        RSAPrivateCrtKey privateKey = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        assertEquals(new BigInteger(1, key.getKey().getN()), privateKey.getModulus());

        // A claim the policy does not accept: the service's 403.
        String refused = token.replaceFirst("\\.[^.]+\\.", "." + Jwt.b64u(("{\"iss\":\"" + authority
            + "\",\"x-ms-attestation-type\":\"tdxvm\",\"x-ms-runtime\":{\"keys\":[" + runtimeKey + "]}}").getBytes(StandardCharsets.UTF_8)) + ".");
        HttpResponseException denied = assertThrows(HttpResponseException.class, () -> client.releaseKey(name, refused));
        assertEquals(403, denied.getResponse().getStatusCode());
    }

    @Test
    void refusesAnOperationTheKeyDoesNotAllow() {
        String name = Kyanite.name("ops");
        client.createRsaKey(new CreateRsaKeyOptions(name).setKeyOperations(KeyOperation.SIGN, KeyOperation.VERIFY));
        var crypto = client.getCryptographyClient(name);
        HttpResponseException refused = assertThrows(HttpResponseException.class,
            () -> crypto.decrypt(com.azure.security.keyvault.keys.cryptography.models.EncryptionAlgorithm.RSA_OAEP, new byte[256]));
        assertEquals(403, refused.getResponse().getStatusCode());
        assertTrue(refused.getMessage().contains("not permitted"), refused.getMessage());
    }

    /** A big-endian unsigned magnitude, as JWK wants it. */
    static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes[0] == 0 ? Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }
}
