package dev.kyanite.suite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.util.Context;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.models.DecryptParameters;
import com.azure.security.keyvault.keys.cryptography.models.EncryptParameters;
import com.azure.security.keyvault.keys.cryptography.models.EncryptResult;
import com.azure.security.keyvault.keys.cryptography.models.EncryptionAlgorithm;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.cryptography.models.SignatureAlgorithm;
import com.azure.security.keyvault.keys.models.ImportKeyOptions;
import com.azure.security.keyvault.keys.models.JsonWebKey;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Every algorithm of CryptographyClient, each checked by a party that is not Kyanite: keys are made by java.security
 * (BouncyCastle for secp256k1, which JDK 17 dropped) and imported, so the test holds both halves. Kyanite's results
 * (decrypt, unwrap, sign, and, through a service-only client, encrypt, wrap and verify) are checked with javax.crypto
 * and java.security, and the other way round.
 *
 * The SDK does encrypt, wrap and verify itself when it can read the public key (its "local cryptography"); those
 * results are checked by Kyanite's decrypt/unwrap. To make Kyanite do them too, {@link #serviceOnly} builds a client
 * whose key read is sent to a key that does not exist: on that 404 the SDK falls back to the service for every
 * operation (its documented behaviour when it cannot get the key).
 */
class CryptoTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Provider BC = new BouncyCastleProvider();
    private static final byte[] DATA = "Kyanite checks every algorithm".getBytes(StandardCharsets.UTF_8);

    /**
     * Imported keys name their operations: JsonWebKey.fromRsa/fromEc/fromAes without a list send "key_ops": [], which
     * Kyanite stores as given (a key allowed nothing), so every operation would be refused.
     */
    private static final List<KeyOperation> ALL_OPS = List.of(KeyOperation.ENCRYPT, KeyOperation.DECRYPT, KeyOperation.SIGN,
        KeyOperation.VERIFY, KeyOperation.WRAP_KEY, KeyOperation.UNWRAP_KEY);

    private static KeyClient keys;
    private static KeyPair rsa;
    private static String rsaId;

    @BeforeAll
    static void importRsa() throws Exception {
        keys = Kyanite.keys();
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        rsa = gen.generateKeyPair();
        rsaId = keys.importKey(Kyanite.name("crypto-rsa"), JsonWebKey.fromRsa(rsa, ALL_OPS)).getId();
    }

    static CryptographyClient sdk(String keyId) {
        return new CryptographyClientBuilder().keyIdentifier(keyId).credential(Kyanite.sharedCredential()).buildClient();
    }

    static CryptographyClient serviceOnly(String keyId) {
        return new CryptographyClientBuilder().keyIdentifier(keyId).credential(Kyanite.sharedCredential())
            .addPolicy(new KeyReadToMissingKey()).buildClient();
    }

    // RSA encryption and key wrapping ------------------------------------------------------------------------------

    static Cipher rsaCipher(String alg, int mode, java.security.Key key) throws Exception {
        switch (alg) {
            case "RSA1_5": {
                Cipher c = Cipher.getInstance("RSA/ECB/PKCS1Padding");
                c.init(mode, key);
                return c;
            }
            case "RSA-OAEP": {
                Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
                c.init(mode, key, new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
                return c;
            }
            case "RSA-OAEP-256": {
                Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
                c.init(mode, key, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
                return c;
            }
            default:
                throw new IllegalArgumentException(alg);
        }
    }

    @Test
    void rsaEncryptionAndKeyWrapEveryAlgorithm() throws Exception {
        CryptographyClient local = sdk(rsaId);
        CryptographyClient remote = serviceOnly(rsaId);
        int sentBefore = KeyReadToMissingKey.SENT.get();
        for (EncryptionAlgorithm alg : List.of(EncryptionAlgorithm.RSA1_5, EncryptionAlgorithm.RSA_OAEP, EncryptionAlgorithm.RSA_OAEP_256)) {
            // Kyanite encrypts, the JDK decrypts.
            byte[] byKyanite = remote.encrypt(alg, DATA).getCipherText();
            assertArrayEquals(DATA, rsaCipher(alg.toString(), Cipher.DECRYPT_MODE, rsa.getPrivate()).doFinal(byKyanite), alg.toString());
            // The JDK encrypts, Kyanite decrypts.
            byte[] byJdk = rsaCipher(alg.toString(), Cipher.ENCRYPT_MODE, rsa.getPublic()).doFinal(DATA);
            assertArrayEquals(DATA, local.decrypt(alg, byJdk).getPlainText(), alg.toString());
            // The SDK's local encryption, Kyanite decrypts.
            assertArrayEquals(DATA, remote.decrypt(alg, local.encrypt(alg, DATA).getCipherText()).getPlainText(), alg.toString());
        }
        byte[] cek = new byte[32];
        RANDOM.nextBytes(cek);
        for (KeyWrapAlgorithm alg : List.of(KeyWrapAlgorithm.RSA1_5, KeyWrapAlgorithm.RSA_OAEP, KeyWrapAlgorithm.RSA_OAEP_256)) {
            byte[] wrapped = remote.wrapKey(alg, cek).getEncryptedKey();
            assertArrayEquals(cek, rsaCipher(alg.toString(), Cipher.DECRYPT_MODE, rsa.getPrivate()).doFinal(wrapped), alg.toString());
            byte[] byJdk = rsaCipher(alg.toString(), Cipher.ENCRYPT_MODE, rsa.getPublic()).doFinal(cek);
            assertArrayEquals(cek, local.unwrapKey(alg, byJdk).getKey(), alg.toString());
        }
        assertEquals(6, KeyReadToMissingKey.SENT.get() - sentBefore, "three encrypts and three wraps went to Kyanite");
    }

    // RSA signatures ----------------------------------------------------------------------------------------------

    static Signature rsaSignature(SignatureAlgorithm alg) throws Exception {
        String hash = "SHA-" + alg.toString().substring(2);
        if (alg.toString().startsWith("RS")) return Signature.getInstance(hash.replace("-", "") + "withRSA");
        Signature pss = Signature.getInstance("RSASSA-PSS");
        int saltLength = MessageDigest.getInstance(hash).getDigestLength();
        pss.setParameter(new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), saltLength, 1));
        return pss;
    }

    @Test
    void rsaSignaturesEveryAlgorithm() throws Exception {
        CryptographyClient local = sdk(rsaId);
        CryptographyClient remote = serviceOnly(rsaId);
        for (SignatureAlgorithm alg : List.of(SignatureAlgorithm.RS256, SignatureAlgorithm.RS384, SignatureAlgorithm.RS512,
            SignatureAlgorithm.PS256, SignatureAlgorithm.PS384, SignatureAlgorithm.PS512)) {
            // Kyanite signs, the JDK verifies.
            byte[] sig = local.signData(alg, DATA).getSignature();
            Signature verifier = rsaSignature(alg);
            verifier.initVerify(rsa.getPublic());
            verifier.update(DATA);
            assertTrue(verifier.verify(sig), alg + " signed by Kyanite, verified by the JDK");
            // The JDK signs, Kyanite verifies (and refuses other data).
            Signature signer = rsaSignature(alg);
            signer.initSign(rsa.getPrivate());
            signer.update(DATA);
            byte[] jdkSig = signer.sign();
            assertTrue(remote.verifyData(alg, DATA, jdkSig).isValid(), alg + " signed by the JDK, verified by Kyanite");
            assertFalse(remote.verifyData(alg, "other data".getBytes(StandardCharsets.UTF_8), jdkSig).isValid(), alg.toString());
            // And the SDK's local verification of Kyanite's signature.
            assertTrue(local.verifyData(alg, DATA, sig).isValid(), alg.toString());
        }
    }

    // EC signatures: every curve ----------------------------------------------------------------------------------

    @Test
    void ecSignaturesEveryCurve() throws Exception {
        record Case(String curve, SignatureAlgorithm alg, String jdkAlg, Provider provider, int size) {}
        Provider sunEc = KeyPairGenerator.getInstance("EC").getProvider();
        for (Case c : List.of(
            new Case("secp256r1", SignatureAlgorithm.ES256, "SHA256withECDSA", sunEc, 32),
            new Case("secp384r1", SignatureAlgorithm.ES384, "SHA384withECDSA", sunEc, 48),
            new Case("secp521r1", SignatureAlgorithm.ES512, "SHA512withECDSA", sunEc, 66),
            new Case("secp256k1", SignatureAlgorithm.ES256K, "SHA256withECDSA", BC, 32))) {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC", c.provider());
            gen.initialize(new ECGenParameterSpec(c.curve()));
            KeyPair pair = gen.generateKeyPair();
            String id = keys.importKey(Kyanite.name("crypto-ec"), JsonWebKey.fromEc(pair, c.provider(), List.of(KeyOperation.SIGN, KeyOperation.VERIFY))).getId();
            CryptographyClient local = sdk(id);
            CryptographyClient remote = serviceOnly(id);

            byte[] raw = local.signData(c.alg(), DATA).getSignature();
            assertEquals(2 * c.size(), raw.length, c.alg() + ": r||s, each the curve's size");
            Signature verifier = Signature.getInstance(c.jdkAlg(), c.provider());
            verifier.initVerify(pair.getPublic());
            verifier.update(DATA);
            assertTrue(verifier.verify(EcdsaFormat.toDer(raw)), c.alg() + " signed by Kyanite, verified by " + c.provider().getName());

            Signature signer = Signature.getInstance(c.jdkAlg(), c.provider());
            signer.initSign(pair.getPrivate());
            signer.update(DATA);
            byte[] jdkRaw = EcdsaFormat.toRaw(signer.sign(), c.size());
            assertTrue(remote.verifyData(c.alg(), DATA, jdkRaw).isValid(), c.alg() + " signed by " + c.provider().getName() + ", verified by Kyanite");
            assertFalse(remote.verifyData(c.alg(), "other".getBytes(StandardCharsets.UTF_8), jdkRaw).isValid(), c.alg().toString());
        }
    }

    // AES on oct-HSM keys -----------------------------------------------------------------------------------------

    @Test
    void aesEncryptionAndKeyWrapEverySize() throws Exception {
        for (int bits : new int[] {128, 192, 256}) {
            byte[] k = new byte[bits / 8];
            RANDOM.nextBytes(k);
            SecretKeySpec aes = new SecretKeySpec(k, "AES");
            KeyVaultKey key = keys.importKey(new ImportKeyOptions(Kyanite.name("crypto-oct" + bits), JsonWebKey.fromAes(aes, ALL_OPS).setKeyType(KeyType.OCT_HSM)));
            CryptographyClient client = sdk(key.getId());
            byte[] aad = "header".getBytes(StandardCharsets.UTF_8);

            // GCM: Kyanite picks the IV; the JDK decrypts with it and the tag.
            EncryptResult gcm = client.encrypt(Aes.gcmEncrypt(bits, DATA, aad), Context.NONE);
            assertEquals(12, gcm.getIv().length);
            assertEquals(16, gcm.getAuthenticationTag().length);
            Cipher jdkGcm = Cipher.getInstance("AES/GCM/NoPadding");
            jdkGcm.init(Cipher.DECRYPT_MODE, aes, new GCMParameterSpec(128, gcm.getIv()));
            jdkGcm.updateAAD(aad);
            assertArrayEquals(DATA, jdkGcm.doFinal(concat(gcm.getCipherText(), gcm.getAuthenticationTag())), "A" + bits + "GCM");
            // The JDK encrypts, Kyanite decrypts; a wrong tag is refused.
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            jdkGcm.init(Cipher.ENCRYPT_MODE, aes, new GCMParameterSpec(128, iv));
            jdkGcm.updateAAD(aad);
            byte[] sealed = jdkGcm.doFinal(DATA);
            byte[] ct = Arrays.copyOf(sealed, sealed.length - 16);
            byte[] tag = Arrays.copyOfRange(sealed, sealed.length - 16, sealed.length);
            assertArrayEquals(DATA, client.decrypt(Aes.gcmDecrypt(bits, ct, iv, tag, aad), Context.NONE).getPlainText());
            tag[0] ^= 1;
            assertThrows(HttpResponseException.class, () -> client.decrypt(Aes.gcmDecrypt(bits, ct, iv, tag, aad), Context.NONE));

            // CBC without padding (block-sized input) and with PKCS#7 padding, both directions.
            byte[] cbcIv = new byte[16];
            RANDOM.nextBytes(cbcIv);
            byte[] blocks = Arrays.copyOf(DATA, 32);
            byte[] cbc = client.encrypt(Aes.cbcEncrypt(bits, false, blocks, cbcIv), Context.NONE).getCipherText();
            Cipher jdkCbc = Cipher.getInstance("AES/CBC/NoPadding");
            jdkCbc.init(Cipher.DECRYPT_MODE, aes, new IvParameterSpec(cbcIv));
            assertArrayEquals(blocks, jdkCbc.doFinal(cbc), "A" + bits + "CBC");
            byte[] cbcPad = client.encrypt(Aes.cbcEncrypt(bits, true, DATA, cbcIv), Context.NONE).getCipherText();
            Cipher jdkPad = Cipher.getInstance("AES/CBC/PKCS5Padding");
            jdkPad.init(Cipher.DECRYPT_MODE, aes, new IvParameterSpec(cbcIv));
            assertArrayEquals(DATA, jdkPad.doFinal(cbcPad), "A" + bits + "CBCPAD");
            jdkPad.init(Cipher.ENCRYPT_MODE, aes, new IvParameterSpec(cbcIv));
            assertArrayEquals(DATA, client.decrypt(Aes.cbcDecrypt(bits, true, jdkPad.doFinal(DATA), cbcIv), Context.NONE).getPlainText());
            jdkCbc.init(Cipher.ENCRYPT_MODE, aes, new IvParameterSpec(cbcIv));
            assertArrayEquals(blocks, client.decrypt(Aes.cbcDecrypt(bits, false, jdkCbc.doFinal(blocks), cbcIv), Context.NONE).getPlainText());

            // AES key wrap (RFC 3394): Kyanite wraps, the JDK unwraps, and back.
            KeyWrapAlgorithm kw = KeyWrapAlgorithm.fromString("A" + bits + "KW");
            byte[] cek = new byte[32];
            RANDOM.nextBytes(cek);
            byte[] wrapped = client.wrapKey(kw, cek).getEncryptedKey();
            Cipher jdkKw = Cipher.getInstance("AES/KW/NoPadding");
            jdkKw.init(Cipher.DECRYPT_MODE, aes);
            assertArrayEquals(cek, jdkKw.doFinal(wrapped), kw.toString());
            jdkKw.init(Cipher.ENCRYPT_MODE, aes);
            assertArrayEquals(cek, client.unwrapKey(kw, jdkKw.doFinal(cek)).getKey(), kw.toString());

            // HMAC (HS256/384/512) over the digest, as Kyanite documents: checked with javax.crypto.Mac.
            for (String hs : List.of("HS256", "HS384", "HS512")) {
                SignatureAlgorithm alg = SignatureAlgorithm.fromString(hs);
                byte[] digest = MessageDigest.getInstance("SHA-" + hs.substring(2)).digest(DATA);
                byte[] mac = client.sign(alg, digest).getSignature();
                Mac jdkMac = Mac.getInstance("HmacSHA" + hs.substring(2));
                jdkMac.init(new SecretKeySpec(k, "Hmac"));
                assertArrayEquals(jdkMac.doFinal(digest), mac, hs);
                assertTrue(client.verify(alg, digest, mac).isValid(), hs);
            }
        }
    }

    @Test
    void aKeyRefusesAnAlgorithmOfAnotherKeyType() {
        HttpResponseException wrong = assertThrows(HttpResponseException.class, () -> serviceOnly(rsaId).encrypt(Aes.gcmEncrypt(256, DATA, null), Context.NONE));
        assertEquals(400, wrong.getResponse().getStatusCode());
        assertNotNull(wrong.getValue());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The SDK's EncryptParameters/DecryptParameters factories, by key size. */
    static final class Aes {
        static EncryptParameters gcmEncrypt(int bits, byte[] plain, byte[] aad) {
            return switch (bits) {
                case 128 -> EncryptParameters.createA128GcmParameters(plain, aad);
                case 192 -> EncryptParameters.createA192GcmParameters(plain, aad);
                default -> EncryptParameters.createA256GcmParameters(plain, aad);
            };
        }

        static DecryptParameters gcmDecrypt(int bits, byte[] ct, byte[] iv, byte[] tag, byte[] aad) {
            return switch (bits) {
                case 128 -> DecryptParameters.createA128GcmParameters(ct, iv, tag, aad);
                case 192 -> DecryptParameters.createA192GcmParameters(ct, iv, tag, aad);
                default -> DecryptParameters.createA256GcmParameters(ct, iv, tag, aad);
            };
        }

        static EncryptParameters cbcEncrypt(int bits, boolean pad, byte[] plain, byte[] iv) {
            return switch (bits) {
                case 128 -> pad ? EncryptParameters.createA128CbcPadParameters(plain, iv) : EncryptParameters.createA128CbcParameters(plain, iv);
                case 192 -> pad ? EncryptParameters.createA192CbcPadParameters(plain, iv) : EncryptParameters.createA192CbcParameters(plain, iv);
                default -> pad ? EncryptParameters.createA256CbcPadParameters(plain, iv) : EncryptParameters.createA256CbcParameters(plain, iv);
            };
        }

        static DecryptParameters cbcDecrypt(int bits, boolean pad, byte[] ct, byte[] iv) {
            return switch (bits) {
                case 128 -> pad ? DecryptParameters.createA128CbcPadParameters(ct, iv) : DecryptParameters.createA128CbcParameters(ct, iv);
                case 192 -> pad ? DecryptParameters.createA192CbcPadParameters(ct, iv) : DecryptParameters.createA192CbcParameters(ct, iv);
                default -> pad ? DecryptParameters.createA256CbcPadParameters(ct, iv) : DecryptParameters.createA256CbcParameters(ct, iv);
            };
        }
    }

    /** JOSE's raw r||s and the JDK's DER SEQUENCE { INTEGER r, INTEGER s }. */
    static final class EcdsaFormat {
        static byte[] toDer(byte[] raw) {
            int n = raw.length / 2;
            byte[] r = new BigInteger(1, Arrays.copyOfRange(raw, 0, n)).toByteArray();
            byte[] s = new BigInteger(1, Arrays.copyOfRange(raw, n, raw.length)).toByteArray();
            byte[] body = concat(concat(new byte[] {0x02}, concat(length(r.length), r)), concat(new byte[] {0x02}, concat(length(s.length), s)));
            return concat(concat(new byte[] {0x30}, length(body.length)), body);
        }

        static byte[] toRaw(byte[] der, int size) {
            int i = 2;
            if ((der[1] & 0x80) != 0) i += der[1] & 0x7f;
            byte[] out = new byte[2 * size];
            for (int part = 0; part < 2; part++) {
                int len = der[i + 1] & 0xff;
                byte[] value = new BigInteger(1, Arrays.copyOfRange(der, i + 2, i + 2 + len)).toByteArray();
                int start = value[0] == 0 && value.length > 1 ? 1 : 0;
                int count = value.length - start;
                System.arraycopy(value, start, out, part * size + size - count, count);
                i += 2 + len;
            }
            return out;
        }

        private static byte[] length(int n) {
            return n < 0x80 ? new byte[] {(byte) n} : new byte[] {(byte) 0x81, (byte) n};
        }
    }

    /**
     * Sends the CryptographyClient's read of its key (GET /keys/NAME/VERSION) to a name that does not exist, so the SDK
     * gets a 404, gives up on local cryptography and sends every operation to Kyanite. Operations are POSTs, untouched.
     */
    static final class KeyReadToMissingKey implements HttpPipelinePolicy {
        /** The public-key operations that reached Kyanite through such clients (proof that the fallback happened). */
        static final java.util.concurrent.atomic.AtomicInteger SENT = new java.util.concurrent.atomic.AtomicInteger();

        private static void redirect(HttpRequest request) {
            if (request.getHttpMethod() == HttpMethod.POST && request.getUrl().getPath().matches("/keys/.+/(encrypt|wrapkey|verify)")) SENT.incrementAndGet();
            if (request.getHttpMethod() == HttpMethod.GET && request.getUrl().getPath().matches("/keys/[^/]+(/[^/]*)?")) {
                String url = request.getUrl().toString();
                request.setUrl(url.replaceFirst("/keys/([^/?]+)", "/keys/$1-not-here"));
            }
        }

        @Override
        public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
            redirect(context.getHttpRequest());
            return next.process();
        }

        @Override
        public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
            redirect(context.getHttpRequest());
            return next.processSync();
        }
    }
}
