package dev.kyanite.suite;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/** A throw-away CA made with BouncyCastle's certificate builder: signs self-signed roots, leaves and the vault's CSRs. */
final class LocalCa {
    final KeyPair keys;
    final X509Certificate certificate;

    LocalCa(String subject) throws Exception {
        keys = rsaKeyPair();
        certificate = build(new X500Name(subject), keys.getPublic(), new X500Name(subject), keys.getPrivate(), true);
    }

    static KeyPair rsaKeyPair() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        return gen.generateKeyPair();
    }

    /** A leaf for the given public key, signed by this CA. */
    X509Certificate issue(String subject, PublicKey publicKey) throws Exception {
        return build(new X500Name(subject), publicKey, new X500Name(certificate.getSubjectX500Principal().getName()), keys.getPrivate(), false);
    }

    /** Signs a PKCS#10 request (DER) after checking its self-signature, as a CA would. */
    X509Certificate sign(byte[] csrDer) throws Exception {
        JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(csrDer));
        if (!csr.isSignatureValid(new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder().build(csr.getPublicKey()))) {
            throw new IllegalArgumentException("the CSR's signature does not verify");
        }
        return issue(csr.getSubject().toString(), csr.getPublicKey());
    }

    static X509Certificate selfSigned(String subject, KeyPair pair) throws Exception {
        return build(new X500Name(subject), pair.getPublic(), new X500Name(subject), pair.getPrivate(), false);
    }

    private static X509Certificate build(X500Name subject, PublicKey publicKey, X500Name issuer, PrivateKey signer, boolean ca) throws Exception {
        long now = System.currentTimeMillis();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now), new Date(now - 60_000),
            new Date(now + 30L * 86_400_000), subject, publicKey);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        String alg = signer.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(alg).build(signer)));
    }
}
