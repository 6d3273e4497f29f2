package kvtest

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"math/big"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
)

// Every algorithm Key Vault offers, each checked both ways against Go's own crypto: what Kyanite produces is
// verified or decrypted by Go, and what Go produces is verified or decrypted by Kyanite.

func digestOf(h crypto.Hash, data []byte) []byte {
	d := h.New()
	d.Write(data)
	return d.Sum(nil)
}

func TestCryptoRSASignatures(t *testing.T) {
	c := keysClient(t)
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err, "rsa.GenerateKey")
	name := unique("rsa-sig")
	imported, err := c.ImportKey(ctx(t), name, azkeys.ImportKeyParameters{Key: rsaJWK(priv)}, nil)
	must(t, err, "ImportKey")
	version := imported.Key.KID.Version()
	data := []byte("signed by Kyanite, checked by Go")
	for _, alg := range []struct {
		name azkeys.SignatureAlgorithm
		hash crypto.Hash
		pss  bool
	}{
		{azkeys.SignatureAlgorithmRS256, crypto.SHA256, false}, {azkeys.SignatureAlgorithmRS384, crypto.SHA384, false},
		{azkeys.SignatureAlgorithmRS512, crypto.SHA512, false}, {azkeys.SignatureAlgorithmPS256, crypto.SHA256, true},
		{azkeys.SignatureAlgorithmPS384, crypto.SHA384, true}, {azkeys.SignatureAlgorithmPS512, crypto.SHA512, true},
	} {
		digest := digestOf(alg.hash, data)
		res, err := c.Sign(ctx(t), name, version, azkeys.SignParameters{Algorithm: to.Ptr(alg.name), Value: digest}, nil)
		must(t, err, "Sign "+string(alg.name))
		if res.KID.Version() != version {
			t.Fatalf("%s: kid %s", alg.name, *res.KID)
		}
		if alg.pss {
			err = rsa.VerifyPSS(&priv.PublicKey, alg.hash, digest, res.Result, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			err = rsa.VerifyPKCS1v15(&priv.PublicKey, alg.hash, digest, res.Result)
		}
		must(t, err, "Go verifies Kyanite's "+string(alg.name))

		var local []byte
		if alg.pss {
			local, err = rsa.SignPSS(rand.Reader, priv, alg.hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			local, err = rsa.SignPKCS1v15(rand.Reader, priv, alg.hash, digest)
		}
		must(t, err, "Go signs")
		assertVerify(t, c, name, version, alg.name, digest, local, true)
		local[10] ^= 1
		assertVerify(t, c, name, version, alg.name, digest, local, false)
	}

	// A created key (private half never leaves Kyanite): Go verifies with the returned n and e.
	created, err := c.CreateKey(ctx(t), unique("rsa-made"), azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeRSA), KeySize: to.Ptr[int32](3072)}, nil)
	must(t, err, "CreateKey")
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(created.Key.N), E: int(new(big.Int).SetBytes(created.Key.E).Int64())}
	digest := digestOf(crypto.SHA256, data)
	res, err := c.Sign(ctx(t), created.Key.KID.Name(), "", azkeys.SignParameters{Algorithm: to.Ptr(azkeys.SignatureAlgorithmPS256), Value: digest}, nil)
	must(t, err, "Sign with a created key")
	must(t, rsa.VerifyPSS(pub, crypto.SHA256, digest, res.Result, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}), "Go verifies PS256 of a created key")
}

func assertVerify(t *testing.T, c *azkeys.Client, name, version string, alg azkeys.SignatureAlgorithm, digest, sig []byte, want bool) {
	t.Helper()
	res, err := c.Verify(ctx(t), name, version, azkeys.VerifyParameters{Algorithm: to.Ptr(alg), Digest: digest, Signature: sig}, nil)
	must(t, err, "Verify "+string(alg))
	if *res.Value != want {
		t.Fatalf("Kyanite's %s verify of Go's signature: %v, want %v", alg, *res.Value, want)
	}
}

func TestCryptoRSAEncryption(t *testing.T) {
	c := keysClient(t)
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err, "rsa.GenerateKey")
	name := unique("rsa-enc")
	imported, err := c.ImportKey(ctx(t), name, azkeys.ImportKeyParameters{Key: rsaJWK(priv)}, nil)
	must(t, err, "ImportKey")
	version := imported.Key.KID.Version()
	secret := randomBytes(t, 32)
	for _, alg := range []azkeys.EncryptionAlgorithm{azkeys.EncryptionAlgorithmRSAOAEP, azkeys.EncryptionAlgorithmRSAOAEP256, azkeys.EncryptionAlgorithmRSA15} {
		goDecrypt := func(ct []byte) []byte {
			var out []byte
			var err error
			switch alg {
			case azkeys.EncryptionAlgorithmRSAOAEP:
				out, err = rsa.DecryptOAEP(sha1.New(), nil, priv, ct, nil)
			case azkeys.EncryptionAlgorithmRSAOAEP256:
				out, err = rsa.DecryptOAEP(sha256.New(), nil, priv, ct, nil)
			default:
				out, err = rsa.DecryptPKCS1v15(nil, priv, ct)
			}
			must(t, err, "Go decrypts "+string(alg))
			return out
		}
		goEncrypt := func() []byte {
			var out []byte
			var err error
			switch alg {
			case azkeys.EncryptionAlgorithmRSAOAEP:
				out, err = rsa.EncryptOAEP(sha1.New(), rand.Reader, &priv.PublicKey, secret, nil)
			case azkeys.EncryptionAlgorithmRSAOAEP256:
				out, err = rsa.EncryptOAEP(sha256.New(), rand.Reader, &priv.PublicKey, secret, nil)
			default:
				out, err = rsa.EncryptPKCS1v15(rand.Reader, &priv.PublicKey, secret)
			}
			must(t, err, "Go encrypts "+string(alg))
			return out
		}
		params := func(v []byte) azkeys.KeyOperationParameters {
			return azkeys.KeyOperationParameters{Algorithm: to.Ptr(alg), Value: v}
		}
		enc, err := c.Encrypt(ctx(t), name, version, params(secret), nil)
		must(t, err, "Encrypt "+string(alg))
		if !bytes.Equal(goDecrypt(enc.Result), secret) {
			t.Fatalf("%s: Go decrypted something else", alg)
		}
		dec, err := c.Decrypt(ctx(t), name, version, params(goEncrypt()), nil)
		must(t, err, "Decrypt "+string(alg))
		if !bytes.Equal(dec.Result, secret) {
			t.Fatalf("%s: Kyanite decrypted something else", alg)
		}
		wrapped, err := c.WrapKey(ctx(t), name, version, params(secret), nil)
		must(t, err, "WrapKey "+string(alg))
		if !bytes.Equal(goDecrypt(wrapped.Result), secret) {
			t.Fatalf("%s: Go unwrapped something else", alg)
		}
		unwrapped, err := c.UnwrapKey(ctx(t), name, version, params(goEncrypt()), nil)
		must(t, err, "UnwrapKey "+string(alg))
		if !bytes.Equal(unwrapped.Result, secret) {
			t.Fatalf("%s: Kyanite unwrapped something else", alg)
		}
	}
}

func TestCryptoECSignatures(t *testing.T) {
	c := keysClient(t)
	data := []byte("elliptic")
	for _, tc := range []struct {
		crv   azkeys.CurveName
		curve elliptic.Curve
		alg   azkeys.SignatureAlgorithm
		hash  crypto.Hash
	}{
		{azkeys.CurveNameP256, elliptic.P256(), azkeys.SignatureAlgorithmES256, crypto.SHA256},
		{azkeys.CurveNameP384, elliptic.P384(), azkeys.SignatureAlgorithmES384, crypto.SHA384},
		{azkeys.CurveNameP521, elliptic.P521(), azkeys.SignatureAlgorithmES512, crypto.SHA512},
		{azkeys.CurveNameP256K, nil, azkeys.SignatureAlgorithmES256K, crypto.SHA256},
	} {
		digest := digestOf(tc.hash, data)
		// A key made by Kyanite: Go checks its signature with the public point it returned.
		made, err := c.CreateKey(ctx(t), unique("ec-made"), azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeEC), Curve: to.Ptr(tc.crv)}, nil)
		must(t, err, "CreateKey "+string(tc.crv))
		res, err := c.Sign(ctx(t), made.Key.KID.Name(), made.Key.KID.Version(), azkeys.SignParameters{Algorithm: to.Ptr(tc.alg), Value: digest}, nil)
		must(t, err, "Sign "+string(tc.alg))
		size := len(made.Key.X)
		if len(res.Result) != 2*size {
			t.Fatalf("%s: signature of %d bytes, want r||s of %d", tc.alg, len(res.Result), 2*size)
		}
		r, s := new(big.Int).SetBytes(res.Result[:size]), new(big.Int).SetBytes(res.Result[size:])
		x, y := new(big.Int).SetBytes(made.Key.X), new(big.Int).SetBytes(made.Key.Y)
		var ok bool
		if tc.curve == nil {
			ok = secp256k1.verify(x, y, digest, r, s)
		} else {
			ok = ecdsa.Verify(&ecdsa.PublicKey{Curve: tc.curve, X: x, Y: y}, digest, r, s)
		}
		if !ok {
			t.Fatalf("Go rejects Kyanite's %s signature", tc.alg)
		}

		// A key made by Go and imported: Kyanite checks Go's signature.
		var jwk *azkeys.JSONWebKey
		if tc.curve == nil {
			d, px, py := secp256k1.generate()
			jwk = &azkeys.JSONWebKey{Kty: to.Ptr(azkeys.KeyTypeEC), Crv: to.Ptr(tc.crv), X: px.FillBytes(make([]byte, 32)), Y: py.FillBytes(make([]byte, 32)),
				D: d.FillBytes(make([]byte, 32)), KeyOps: []*azkeys.KeyOperation{to.Ptr(azkeys.KeyOperationSign), to.Ptr(azkeys.KeyOperationVerify)}}
			r, s = secp256k1.sign(d, digest)
		} else {
			priv, err := ecdsa.GenerateKey(tc.curve, rand.Reader)
			must(t, err, "ecdsa.GenerateKey")
			jwk = ecJWK(priv)
			r, s, err = ecdsa.Sign(rand.Reader, priv, digest)
			must(t, err, "ecdsa.Sign")
		}
		name := unique("ec-imp")
		_, err = c.ImportKey(ctx(t), name, azkeys.ImportKeyParameters{Key: jwk}, nil)
		must(t, err, "ImportKey "+string(tc.crv))
		sig := append(r.FillBytes(make([]byte, len(jwk.X))), s.FillBytes(make([]byte, len(jwk.X)))...)
		assertVerify(t, c, name, "", tc.alg, digest, sig, true)
		assertVerify(t, c, name, "", tc.alg, digestOf(tc.hash, []byte("other data")), sig, false)
	}
}

func TestCryptoAES(t *testing.T) {
	c := keysClient(t)
	for _, bits := range []int{128, 192, 256} {
		key := randomBytes(t, bits/8)
		name := unique("aes")
		_, err := c.ImportKey(ctx(t), name, azkeys.ImportKeyParameters{Key: octJWK(key), HSM: to.Ptr(true)}, nil)
		must(t, err, "ImportKey oct")
		block, err := aes.NewCipher(key)
		must(t, err, "aes.NewCipher")
		prefix := map[int]string{128: "A128", 192: "A192", 256: "A256"}[bits]
		plain := []byte("forty-one bytes of plaintext for AES....!")

		// GCM: Kyanite picks the IV; Go opens it with the returned IV, tag and AAD, and seals one for Kyanite.
		gcm, err := cipher.NewGCM(block)
		must(t, err, "cipher.NewGCM")
		aad := []byte("header")
		alg := azkeys.EncryptionAlgorithm(prefix + "GCM")
		enc, err := c.Encrypt(ctx(t), name, "", azkeys.KeyOperationParameters{Algorithm: to.Ptr(alg), Value: plain, AdditionalAuthenticatedData: aad}, nil)
		must(t, err, "Encrypt "+string(alg))
		opened, err := gcm.Open(nil, enc.IV, append(append([]byte{}, enc.Result...), enc.AuthenticationTag...), aad)
		must(t, err, "Go opens "+string(alg))
		if !bytes.Equal(opened, plain) {
			t.Fatalf("%s: Go opened something else", alg)
		}
		iv := randomBytes(t, gcm.NonceSize())
		sealed := gcm.Seal(nil, iv, plain, aad)
		dec, err := c.Decrypt(ctx(t), name, "", azkeys.KeyOperationParameters{Algorithm: to.Ptr(alg), Value: sealed[:len(plain)],
			IV: iv, AuthenticationTag: sealed[len(plain):], AdditionalAuthenticatedData: aad}, nil)
		must(t, err, "Decrypt "+string(alg))
		if !bytes.Equal(dec.Result, plain) {
			t.Fatalf("%s: Kyanite decrypted something else", alg)
		}

		// CBC (whole blocks) and CBCPAD (PKCS#7).
		for _, pad := range []bool{false, true} {
			alg := azkeys.EncryptionAlgorithm(prefix + "CBC")
			msg := plain[:32]
			if pad {
				alg, msg = azkeys.EncryptionAlgorithm(prefix+"CBCPAD"), plain
			}
			iv := randomBytes(t, 16)
			enc, err := c.Encrypt(ctx(t), name, "", azkeys.KeyOperationParameters{Algorithm: to.Ptr(alg), Value: msg, IV: iv}, nil)
			must(t, err, "Encrypt "+string(alg))
			out := make([]byte, len(enc.Result))
			cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, enc.Result)
			if pad {
				out = pkcs7Unpad(t, out)
			}
			if !bytes.Equal(out, msg) {
				t.Fatalf("%s: Go decrypted something else", alg)
			}
			in := msg
			if pad {
				in = pkcs7Pad(msg)
			}
			ct := make([]byte, len(in))
			cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, in)
			dec, err := c.Decrypt(ctx(t), name, "", azkeys.KeyOperationParameters{Algorithm: to.Ptr(alg), Value: ct, IV: iv}, nil)
			must(t, err, "Decrypt "+string(alg))
			if !bytes.Equal(dec.Result, msg) {
				t.Fatalf("%s: Kyanite decrypted something else", alg)
			}
		}

		// Key wrap (RFC 3394) of a 256-bit key.
		kw := azkeys.EncryptionAlgorithm(prefix + "KW")
		cek := randomBytes(t, 32)
		wrapped, err := c.WrapKey(ctx(t), name, "", azkeys.KeyOperationParameters{Algorithm: to.Ptr(kw), Value: cek}, nil)
		must(t, err, "WrapKey "+string(kw))
		iv0, got, err := kwUnwrap(block, wrapped.Result)
		must(t, err, "Go unwraps "+string(kw))
		if !bytes.Equal(iv0, kwDefaultIV) || !bytes.Equal(got, cek) {
			t.Fatalf("%s: Go unwrapped something else", kw)
		}
		unwrapped, err := c.UnwrapKey(ctx(t), name, "", azkeys.KeyOperationParameters{Algorithm: to.Ptr(kw), Value: kwWrap(block, kwDefaultIV, cek)}, nil)
		must(t, err, "UnwrapKey "+string(kw))
		if !bytes.Equal(unwrapped.Result, cek) {
			t.Fatalf("%s: Kyanite unwrapped something else", kw)
		}

		// The PKCS#11 names (Managed HSM's): CKM_AES_KEY_WRAP is RFC 3394 with this key whatever its size,
		// CKM_AES_KEY_WRAP_PAD is RFC 5649 and takes key data of any length.
		wrapped, err = c.WrapKey(ctx(t), name, "", azkeys.KeyOperationParameters{Algorithm: to.Ptr(azkeys.EncryptionAlgorithmCKMAESKEYWRAP), Value: cek}, nil)
		must(t, err, "WrapKey CKM_AES_KEY_WRAP")
		if iv0, got, err = kwUnwrap(block, wrapped.Result); err != nil || !bytes.Equal(iv0, kwDefaultIV) || !bytes.Equal(got, cek) {
			t.Fatalf("CKM_AES_KEY_WRAP with a %d-bit key: Go unwrapped something else (%v)", bits, err)
		}
		for _, size := range []int{7, 20, 32} {
			odd := randomBytes(t, size)
			wrapped, err = c.WrapKey(ctx(t), name, "", azkeys.KeyOperationParameters{Algorithm: to.Ptr(azkeys.EncryptionAlgorithmCKMAESKEYWRAPPAD), Value: odd}, nil)
			must(t, err, "WrapKey CKM_AES_KEY_WRAP_PAD")
			got, err = aesKeyUnwrapPad(key, wrapped.Result)
			if err != nil || !bytes.Equal(got, odd) {
				t.Fatalf("CKM_AES_KEY_WRAP_PAD of %d bytes: Go unwrapped something else (%v)", size, err)
			}
			unwrapped, err = c.UnwrapKey(ctx(t), name, "", azkeys.KeyOperationParameters{Algorithm: to.Ptr(azkeys.EncryptionAlgorithmCKMAESKEYWRAPPAD), Value: aesKeyWrapPad(key, odd)}, nil)
			must(t, err, "UnwrapKey CKM_AES_KEY_WRAP_PAD")
			if !bytes.Equal(unwrapped.Result, odd) {
				t.Fatalf("CKM_AES_KEY_WRAP_PAD of %d bytes: Kyanite unwrapped something else", size)
			}
		}
	}
}

func TestCryptoHMAC(t *testing.T) {
	c := keysClient(t)
	key := randomBytes(t, 32)
	name := unique("hmac")
	_, err := c.ImportKey(ctx(t), name, azkeys.ImportKeyParameters{Key: octJWK(key), HSM: to.Ptr(true)}, nil)
	must(t, err, "ImportKey oct")
	for _, tc := range []struct {
		alg  azkeys.SignatureAlgorithm
		h    func() hash.Hash
		hash crypto.Hash
	}{{azkeys.SignatureAlgorithmHS256, sha256.New, crypto.SHA256}, {azkeys.SignatureAlgorithmHS384, sha512.New384, crypto.SHA384},
		{azkeys.SignatureAlgorithmHS512, sha512.New, crypto.SHA512}} {
		// Like every Sign, the value is a digest of the algorithm's hash length; the MAC is taken over it.
		msg := digestOf(tc.hash, []byte(tc.alg))
		res, err := c.Sign(ctx(t), name, "", azkeys.SignParameters{Algorithm: to.Ptr(tc.alg), Value: msg}, nil)
		must(t, err, "Sign "+string(tc.alg))
		mac := hmac.New(tc.h, key)
		mac.Write(msg)
		want := mac.Sum(nil)
		if !hmac.Equal(res.Result, want) {
			t.Fatalf("%s: Kyanite's MAC differs from Go's", tc.alg)
		}
		assertVerify(t, c, name, "", tc.alg, msg, want, true)
		want[0] ^= 1
		assertVerify(t, c, name, "", tc.alg, msg, want, false)
	}
}

func pkcs7Pad(b []byte) []byte {
	n := 16 - len(b)%16
	return append(append([]byte{}, b...), bytes.Repeat([]byte{byte(n)}, n)...)
}

func pkcs7Unpad(t *testing.T, b []byte) []byte {
	n := int(b[len(b)-1])
	if n < 1 || n > 16 || !bytes.Equal(b[len(b)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		t.Fatalf("bad PKCS#7 padding %x", b[len(b)-16:])
	}
	return b[:len(b)-n]
}
