package kvtest

import (
	"crypto/aes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
)

// keysClient is a client of the default vault on https://localhost:PORT (challenge verification off there).
func keysClient(t *testing.T) *azkeys.Client {
	t.Helper()
	c, err := azkeys.NewClient(env(t, "KYANITE_URL"), credential(t), &azkeys.ClientOptions{
		ClientOptions:                        clientOptions(),
		DisableChallengeResourceVerification: true,
	})
	must(t, err, "azkeys.NewClient")
	return c
}

// TestKeysEveryTypeAndCurve creates a key of every type, size and curve and checks the public key it returns.
func TestKeysEveryTypeAndCurve(t *testing.T) {
	c := keysClient(t)
	type spec struct {
		kty   azkeys.KeyType
		size  int32
		curve azkeys.CurveName
	}
	specs := []spec{
		{kty: azkeys.KeyTypeRSA, size: 2048}, {kty: azkeys.KeyTypeRSA, size: 3072}, {kty: azkeys.KeyTypeRSA, size: 4096},
		{kty: azkeys.KeyTypeRSAHSM, size: 2048},
		{kty: azkeys.KeyTypeEC, curve: azkeys.CurveNameP256}, {kty: azkeys.KeyTypeEC, curve: azkeys.CurveNameP384},
		{kty: azkeys.KeyTypeEC, curve: azkeys.CurveNameP521}, {kty: azkeys.KeyTypeEC, curve: azkeys.CurveNameP256K},
		{kty: azkeys.KeyTypeECHSM, curve: azkeys.CurveNameP256},
		{kty: azkeys.KeyTypeOct, size: 128}, {kty: azkeys.KeyTypeOct, size: 192}, {kty: azkeys.KeyTypeOct, size: 256},
		{kty: azkeys.KeyTypeOctHSM, size: 256},
	}
	for _, s := range specs {
		params := azkeys.CreateKeyParameters{Kty: to.Ptr(s.kty)}
		if s.size != 0 {
			params.KeySize = to.Ptr(s.size)
		}
		if s.curve != "" {
			params.Curve = to.Ptr(s.curve)
		}
		name := unique("kty")
		res, err := c.CreateKey(ctx(t), name, params, nil)
		must(t, err, "CreateKey "+string(s.kty)+" "+string(s.curve))
		k := res.Key
		if *k.Kty != s.kty || k.KID.Name() != name || k.D != nil || k.K != nil {
			t.Fatalf("%s: returned kty %s kid %s (private parts must never come back)", s.kty, *k.Kty, *k.KID)
		}
		switch {
		case strings.HasPrefix(string(s.kty), "RSA"):
			if len(k.N)*8 != int(s.size) || new(big.Int).SetBytes(k.E).Int64() != 65537 {
				t.Fatalf("%s %d: n of %d bits, e %x", s.kty, s.size, len(k.N)*8, k.E)
			}
		case strings.HasPrefix(string(s.kty), "EC"):
			if *k.Crv != s.curve || !onCurve(s.curve, k.X, k.Y) {
				t.Fatalf("%s %s: crv %s, point not on the curve", s.kty, s.curve, *k.Crv)
			}
		default:
			if len(k.KeyOps) == 0 {
				t.Fatalf("%s: no key_ops", s.kty)
			}
		}
	}
}

// onCurve checks the public point with Go's own curve code (secp256k1, which Go lacks, with math/big).
func onCurve(crv azkeys.CurveName, x, y []byte) bool {
	if crv == azkeys.CurveNameP256K {
		return secp256k1.onCurve(new(big.Int).SetBytes(x), new(big.Int).SetBytes(y))
	}
	curve := map[azkeys.CurveName]ecdh.Curve{azkeys.CurveNameP256: ecdh.P256(), azkeys.CurveNameP384: ecdh.P384(), azkeys.CurveNameP521: ecdh.P521()}[crv]
	_, err := curve.NewPublicKey(append(append([]byte{4}, x...), y...))
	return err == nil
}

func TestKeysLifecycle(t *testing.T) {
	c := keysClient(t)
	name := unique("klife")
	expires := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	first, err := c.CreateKey(ctx(t), name, azkeys.CreateKeyParameters{
		Kty:           to.Ptr(azkeys.KeyTypeEC),
		Curve:         to.Ptr(azkeys.CurveNameP256),
		KeyOps:        []*azkeys.KeyOperation{to.Ptr(azkeys.KeyOperationSign), to.Ptr(azkeys.KeyOperationVerify)},
		KeyAttributes: &azkeys.KeyAttributes{Expires: &expires},
		Tags:          map[string]*string{"owner": to.Ptr("go")},
	}, nil)
	must(t, err, "CreateKey")
	if !first.Attributes.Expires.Equal(expires) || *first.Tags["owner"] != "go" || len(first.Key.KeyOps) != 2 {
		t.Fatalf("created %+v %+v", first.Attributes, first.Key.KeyOps)
	}
	second, err := c.CreateKey(ctx(t), name, azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeEC), Curve: to.Ptr(azkeys.CurveNameP384)}, nil)
	must(t, err, "CreateKey v2")
	got, err := c.GetKey(ctx(t), name, first.Key.KID.Version(), nil)
	must(t, err, "GetKey v1")
	if *got.Key.Crv != azkeys.CurveNameP256 {
		t.Fatalf("v1 curve %s", *got.Key.Crv)
	}
	latest, err := c.GetKey(ctx(t), name, "", nil)
	must(t, err, "GetKey latest")
	if latest.Key.KID.Version() != second.Key.KID.Version() {
		t.Fatalf("latest %s, want %s", *latest.Key.KID, *second.Key.KID)
	}

	versions := 0
	vp := c.NewListKeyPropertiesVersionsPager(name, nil)
	for vp.More() {
		page, err := vp.NextPage(ctx(t))
		must(t, err, "key versions page")
		versions += len(page.Value)
	}
	if versions != 2 {
		t.Fatalf("%d versions, want 2", versions)
	}
	listed := false
	lp := c.NewListKeyPropertiesPager(nil)
	for lp.More() {
		page, err := lp.NextPage(ctx(t))
		must(t, err, "keys page")
		for _, p := range page.Value {
			listed = listed || p.KID.Name() == name
		}
	}
	if !listed {
		t.Fatalf("%s not listed", name)
	}

	upd, err := c.UpdateKey(ctx(t), name, first.Key.KID.Version(), azkeys.UpdateKeyParameters{
		KeyAttributes: &azkeys.KeyAttributes{Enabled: to.Ptr(false)},
		KeyOps:        []*azkeys.KeyOperation{to.Ptr(azkeys.KeyOperationVerify)},
		Tags:          map[string]*string{"owner": to.Ptr("ops")},
	}, nil)
	must(t, err, "UpdateKey")
	if *upd.Attributes.Enabled || len(upd.Key.KeyOps) != 1 || *upd.Tags["owner"] != "ops" {
		t.Fatalf("updated %+v", upd.KeyBundle)
	}

	backup, err := c.BackupKey(ctx(t), name, nil)
	must(t, err, "BackupKey")
	del, err := c.DeleteKey(ctx(t), name, nil)
	must(t, err, "DeleteKey")
	if del.RecoveryID == nil || del.DeletedDate == nil {
		t.Fatalf("deleted key %+v", del.DeletedKey)
	}
	if _, err := c.GetKey(ctx(t), name, "", nil); statusOf(err) != http.StatusNotFound || codeOf(err) != "KeyNotFound" {
		t.Fatalf("GetKey after delete: %v", err)
	}
	waitFor(t, "the deleted key", func() error { _, err := c.GetDeletedKey(ctx(t), name, nil); return err })
	found := false
	dp := c.NewListDeletedKeyPropertiesPager(nil)
	for dp.More() && !found {
		page, err := dp.NextPage(ctx(t))
		must(t, err, "deleted keys page")
		for _, p := range page.Value {
			found = found || p.KID.Name() == name
		}
	}
	if !found {
		t.Fatalf("%s not among deleted keys", name)
	}
	_, err = c.RecoverDeletedKey(ctx(t), name, nil)
	must(t, err, "RecoverDeletedKey")
	waitFor(t, "the recovered key", func() error { _, err := c.GetKey(ctx(t), name, "", nil); return err })
	_, err = c.DeleteKey(ctx(t), name, nil)
	must(t, err, "DeleteKey again")
	_, err = c.PurgeDeletedKey(ctx(t), name, nil)
	must(t, err, "PurgeDeletedKey")
	restored, err := c.RestoreKey(ctx(t), azkeys.RestoreKeyParameters{KeyBackup: backup.Value}, nil)
	must(t, err, "RestoreKey")
	if restored.Key.KID.Name() != name || string(restored.Key.X) != string(second.Key.X) {
		t.Fatalf("restored %s is not the latest version backed up", *restored.Key.KID)
	}
}

// TestKeysImport imports RSA, EC and AES keys made by Go and checks that Key Vault keeps their public halves.
func TestKeysImport(t *testing.T) {
	c := keysClient(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err, "rsa.GenerateKey")
	res, err := c.ImportKey(ctx(t), unique("imp-rsa"), azkeys.ImportKeyParameters{Key: rsaJWK(rsaKey), HSM: to.Ptr(true)}, nil)
	must(t, err, "ImportKey RSA")
	if *res.Key.Kty != azkeys.KeyTypeRSAHSM || new(big.Int).SetBytes(res.Key.N).Cmp(rsaKey.N) != 0 || res.Key.D != nil {
		t.Fatalf("imported RSA came back as %s", *res.Key.Kty)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(t, err, "ecdsa.GenerateKey")
	res, err = c.ImportKey(ctx(t), unique("imp-ec"), azkeys.ImportKeyParameters{Key: ecJWK(ecKey)}, nil)
	must(t, err, "ImportKey EC")
	if *res.Key.Kty != azkeys.KeyTypeEC || *res.Key.Crv != azkeys.CurveNameP384 || new(big.Int).SetBytes(res.Key.X).Cmp(ecKey.X) != 0 {
		t.Fatalf("imported EC came back as %s %s", *res.Key.Kty, *res.Key.Crv)
	}
	res, err = c.ImportKey(ctx(t), unique("imp-oct"), azkeys.ImportKeyParameters{Key: octJWK(randomBytes(t, 32))}, nil)
	must(t, err, "ImportKey oct")
	if *res.Key.Kty != azkeys.KeyTypeOct || res.Key.K != nil {
		t.Fatalf("imported oct came back as %s", *res.Key.Kty)
	}
	// A JWK without its private part cannot be imported.
	_, err = c.ImportKey(ctx(t), unique("imp-bad"), azkeys.ImportKeyParameters{Key: &azkeys.JSONWebKey{Kty: to.Ptr(azkeys.KeyTypeRSA), N: rsaKey.N.Bytes(), E: []byte{1, 0, 1}}}, nil)
	if statusOf(err) != http.StatusBadRequest {
		t.Fatalf("import of a public key: %v, want 400", err)
	}
}

func TestKeysRotation(t *testing.T) {
	c := keysClient(t)
	name := unique("rot")
	created, err := c.CreateKey(ctx(t), name, azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeRSA), KeySize: to.Ptr[int32](2048)}, nil)
	must(t, err, "CreateKey")
	policy, err := c.UpdateKeyRotationPolicy(ctx(t), name, azkeys.KeyRotationPolicy{
		Attributes: &azkeys.KeyRotationPolicyAttributes{ExpiryTime: to.Ptr("P90D")},
		LifetimeActions: []*azkeys.LifetimeAction{
			{Action: &azkeys.LifetimeActionType{Type: to.Ptr(azkeys.KeyRotationPolicyActionRotate)}, Trigger: &azkeys.LifetimeActionTrigger{TimeAfterCreate: to.Ptr("P30D")}},
			{Action: &azkeys.LifetimeActionType{Type: to.Ptr(azkeys.KeyRotationPolicyActionNotify)}, Trigger: &azkeys.LifetimeActionTrigger{TimeBeforeExpiry: to.Ptr("P10D")}},
		},
	}, nil)
	must(t, err, "UpdateKeyRotationPolicy")
	if *policy.Attributes.ExpiryTime != "P90D" || len(policy.LifetimeActions) != 2 || policy.ID == nil {
		t.Fatalf("policy set: %+v", policy.KeyRotationPolicy)
	}
	got, err := c.GetKeyRotationPolicy(ctx(t), name, nil)
	must(t, err, "GetKeyRotationPolicy")
	actions := map[azkeys.KeyRotationPolicyAction]string{}
	for _, a := range got.LifetimeActions {
		if a.Trigger.TimeAfterCreate != nil {
			actions[*a.Action.Type] = *a.Trigger.TimeAfterCreate
		} else {
			actions[*a.Action.Type] = *a.Trigger.TimeBeforeExpiry
		}
	}
	if actions[azkeys.KeyRotationPolicyActionRotate] != "P30D" || actions[azkeys.KeyRotationPolicyActionNotify] != "P10D" {
		t.Fatalf("policy read back: %v", actions)
	}
	rotated, err := c.RotateKey(ctx(t), name, nil)
	must(t, err, "RotateKey")
	if rotated.Key.KID.Version() == created.Key.KID.Version() || string(rotated.Key.N) == string(created.Key.N) {
		t.Fatal("RotateKey did not make a new key version")
	}
	// The policy's expiryTime applies to the rotated version: expires = created + 90 days.
	if rotated.Attributes.Expires == nil || rotated.Attributes.Expires.Sub(*rotated.Attributes.Created) != 90*24*time.Hour {
		t.Fatalf("rotated version expires %v, created %v", rotated.Attributes.Expires, rotated.Attributes.Created)
	}
	_, err = c.GetKeyRotationPolicy(ctx(t), unique("norot"), nil)
	if statusOf(err) != http.StatusNotFound {
		t.Fatalf("rotation policy of a missing key: %v, want 404", err)
	}
}

func TestKeysRandomBytes(t *testing.T) {
	c := keysClient(t)
	a, err := c.GetRandomBytes(ctx(t), azkeys.GetRandomBytesParameters{Count: to.Ptr[int32](32)}, nil)
	must(t, err, "GetRandomBytes")
	b, err := c.GetRandomBytes(ctx(t), azkeys.GetRandomBytesParameters{Count: to.Ptr[int32](32)}, nil)
	must(t, err, "GetRandomBytes")
	if len(a.Value) != 32 || string(a.Value) == string(b.Value) {
		t.Fatalf("random bytes %x then %x", a.Value, b.Value)
	}
}

// TestKeysRelease releases an exportable key to a target named in an attestation token and unwraps it with
// Go's crypto: RSA-OAEP(SHA-1) for the transient AES key, then AES key wrap with padding (RFC 5649) for the key.
func TestKeysRelease(t *testing.T) {
	c := keysClient(t)
	authority := "https://kyanite-go.attest.azure.net"
	target, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err, "target key")
	policy, _ := json.Marshal(map[string]any{"version": "1.0.0", "anyOf": []any{map[string]any{
		"authority": authority, "allOf": []any{map[string]any{"claim": "x-ms-attestation-type", "equals": "sevsnpvm"}},
	}}})
	name := unique("skr")
	key, err := c.CreateKey(ctx(t), name, azkeys.CreateKeyParameters{
		Kty:           to.Ptr(azkeys.KeyTypeRSAHSM),
		KeySize:       to.Ptr[int32](2048),
		KeyAttributes: &azkeys.KeyAttributes{Exportable: to.Ptr(true)},
		ReleasePolicy: &azkeys.KeyReleasePolicy{EncodedPolicy: policy, ContentType: to.Ptr("application/json; charset=utf-8")},
	}, nil)
	must(t, err, "CreateKey exportable")
	if !*key.Attributes.Exportable || key.ReleasePolicy == nil {
		t.Fatalf("key attributes %+v", key.Attributes)
	}
	targetJWK := map[string]any{"kty": "RSA", "kid": "go-target", "key_ops": []string{"encrypt"},
		"n": b64u(target.N.Bytes()), "e": b64u(big.NewInt(int64(target.E)).Bytes())}
	token := func(attestationType string) string {
		claims, _ := json.Marshal(map[string]any{"iss": authority, "x-ms-attestation-type": attestationType,
			"x-ms-runtime": map[string]any{"keys": []any{targetJWK}}})
		return b64u([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + b64u(claims) + "." + b64u(randomBytes(t, 64))
	}
	rel, err := c.Release(ctx(t), name, "", azkeys.ReleaseParameters{TargetAttestationToken: to.Ptr(token("sevsnpvm")), Nonce: to.Ptr("go-nonce")}, nil)
	must(t, err, "Release")
	var payload struct {
		Request  struct{ Enc, Nonce, Kid string }
		Response struct {
			Key struct {
				Key struct {
					Kid    string `json:"kid"`
					KeyHSM string `json:"key_hsm"`
				} `json:"key"`
			} `json:"key"`
		} `json:"response"`
	}
	parts := strings.Split(*rel.Value, ".")
	must(t, json.Unmarshal(b64d(t, parts[1]), &payload), "release payload")
	if payload.Request.Nonce != "go-nonce" || payload.Request.Enc != "CKM_RSA_AES_KEY_WRAP" || payload.Response.Key.Key.Kid != string(*key.Key.KID) {
		t.Fatalf("release request %+v, kid %s", payload.Request, payload.Response.Key.Key.Kid)
	}
	var blob struct {
		Header     map[string]string `json:"header"`
		Ciphertext string            `json:"ciphertext"`
	}
	must(t, json.Unmarshal(b64d(t, payload.Response.Key.Key.KeyHSM), &blob), "key_hsm")
	if blob.Header["kid"] != "go-target" || blob.Header["enc"] != "CKM_RSA_AES_KEY_WRAP" {
		t.Fatalf("key_hsm header %v", blob.Header)
	}
	ct := b64d(t, blob.Ciphertext)
	aesKey, err := rsa.DecryptOAEP(sha1.New(), nil, target, ct[:256], nil)
	must(t, err, "RSA-OAEP unwrap of the transient key")
	pkcs8, err := aesKeyUnwrapPad(aesKey, ct[256:])
	must(t, err, "AES-KWP unwrap of the key")
	parsed, err := x509.ParsePKCS8PrivateKey(pkcs8)
	must(t, err, "PKCS#8")
	if priv, ok := parsed.(*rsa.PrivateKey); !ok || priv.N.Cmp(new(big.Int).SetBytes(key.Key.N)) != 0 {
		t.Fatal("the released private key is not the vault's key")
	}
	_, err = c.Release(ctx(t), name, "", azkeys.ReleaseParameters{TargetAttestationToken: to.Ptr(token("tdxvm"))}, nil)
	if statusOf(err) != http.StatusForbidden {
		t.Fatalf("release against a claim the policy refuses: %v, want 403", err)
	}
}

// aesKeyUnwrapPad is RFC 5649 key unwrap with padding, which Go's standard library lacks.
func aesKeyUnwrapPad(kek, wrapped []byte) ([]byte, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	var aiv, plain []byte
	if len(wrapped) == 16 {
		// One block of padded key data is wrapped as a single AES-ECB block (RFC 5649 section 4.1).
		out := make([]byte, 16)
		block.Decrypt(out, wrapped)
		aiv, plain = out[:8], out[8:]
	} else if aiv, plain, err = kwUnwrap(block, wrapped); err != nil {
		return nil, err
	}
	if string(aiv[:4]) != "\xa6\x59\x59\xa6" {
		return nil, errIntegrity
	}
	n := int(aiv[4])<<24 | int(aiv[5])<<16 | int(aiv[6])<<8 | int(aiv[7])
	if n > len(plain) || n <= len(plain)-8 {
		return nil, errIntegrity
	}
	return plain[:n], nil
}

// aesKeyWrapPad is RFC 5649 key wrap with padding, to hand Kyanite something to unwrap.
func aesKeyWrapPad(kek, plain []byte) []byte {
	block, _ := aes.NewCipher(kek)
	aiv := []byte{0xa6, 0x59, 0x59, 0xa6, byte(len(plain) >> 24), byte(len(plain) >> 16), byte(len(plain) >> 8), byte(len(plain))}
	padded := append(append([]byte{}, plain...), make([]byte, (8-len(plain)%8)%8)...)
	if len(padded) == 8 {
		out := append(aiv, padded...)
		block.Encrypt(out, out)
		return out
	}
	return kwWrap(block, aiv, padded)
}

func rsaJWK(k *rsa.PrivateKey) *azkeys.JSONWebKey {
	k.Precompute()
	return &azkeys.JSONWebKey{
		Kty: to.Ptr(azkeys.KeyTypeRSA), N: k.N.Bytes(), E: big.NewInt(int64(k.E)).Bytes(), D: k.D.Bytes(),
		P: k.Primes[0].Bytes(), Q: k.Primes[1].Bytes(), DP: k.Precomputed.Dp.Bytes(), DQ: k.Precomputed.Dq.Bytes(), QI: k.Precomputed.Qinv.Bytes(),
		KeyOps: allOps(),
	}
}

func ecJWK(k *ecdsa.PrivateKey) *azkeys.JSONWebKey {
	crv := map[string]azkeys.CurveName{"P-256": azkeys.CurveNameP256, "P-384": azkeys.CurveNameP384, "P-521": azkeys.CurveNameP521}[k.Curve.Params().Name]
	size := (k.Curve.Params().BitSize + 7) / 8
	return &azkeys.JSONWebKey{Kty: to.Ptr(azkeys.KeyTypeEC), Crv: to.Ptr(crv),
		X: k.X.FillBytes(make([]byte, size)), Y: k.Y.FillBytes(make([]byte, size)), D: k.D.FillBytes(make([]byte, size)),
		KeyOps: []*azkeys.KeyOperation{to.Ptr(azkeys.KeyOperationSign), to.Ptr(azkeys.KeyOperationVerify)}}
}

func octJWK(k []byte) *azkeys.JSONWebKey {
	return &azkeys.JSONWebKey{Kty: to.Ptr(azkeys.KeyTypeOct), K: k, KeyOps: allOps()}
}

func allOps() []*azkeys.KeyOperation {
	return []*azkeys.KeyOperation{to.Ptr(azkeys.KeyOperationEncrypt), to.Ptr(azkeys.KeyOperationDecrypt), to.Ptr(azkeys.KeyOperationSign),
		to.Ptr(azkeys.KeyOperationVerify), to.Ptr(azkeys.KeyOperationWrapKey), to.Ptr(azkeys.KeyOperationUnwrapKey)}
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func b64d(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	must(t, err, "base64url")
	return b
}

// TestKeysAttestation: an HSM key has an attestation (Kyanite's carries no blob); a software key has none (400).
func TestKeysAttestation(t *testing.T) {
	c := keysClient(t)
	hsm, err := c.CreateKey(ctx(t), unique("att-hsm"), azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeRSAHSM), KeySize: to.Ptr[int32](2048)}, nil)
	must(t, err, "CreateKey RSA-HSM")
	att, err := c.GetKeyAttestation(ctx(t), hsm.Key.KID.Name(), "", nil)
	must(t, err, "GetKeyAttestation")
	if string(*att.Key.KID) != string(*hsm.Key.KID) {
		t.Fatalf("attestation of %s, want %s", *att.Key.KID, *hsm.Key.KID)
	}
	soft, err := c.CreateKey(ctx(t), unique("att-soft"), azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeEC)}, nil)
	must(t, err, "CreateKey EC")
	if _, err := c.GetKeyAttestation(ctx(t), soft.Key.KID.Name(), "", nil); statusOf(err) != http.StatusBadRequest {
		t.Fatalf("attestation of a software key: %v, want 400", err)
	}
}

// TestKeysErrors: the service's refusals reach Go as azcore.ResponseError with Key Vault's codes.
func TestKeysErrors(t *testing.T) {
	c := keysClient(t)
	digest := make([]byte, 32)
	_, err := c.Sign(ctx(t), unique("nokey"), "", azkeys.SignParameters{Algorithm: to.Ptr(azkeys.SignatureAlgorithmES256), Value: digest}, nil)
	if statusOf(err) != http.StatusNotFound || codeOf(err) != "KeyNotFound" {
		t.Fatalf("sign with a missing key: %v, want 404 KeyNotFound", err)
	}
	name := unique("kerr")
	_, err = c.CreateKey(ctx(t), name, azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeEC), Curve: to.Ptr(azkeys.CurveNameP256),
		KeyOps: []*azkeys.KeyOperation{to.Ptr(azkeys.KeyOperationVerify)}}, nil)
	must(t, err, "CreateKey verify-only")
	_, err = c.Sign(ctx(t), name, "", azkeys.SignParameters{Algorithm: to.Ptr(azkeys.SignatureAlgorithmES256), Value: digest}, nil)
	if statusOf(err) != http.StatusForbidden || codeOf(err) != "Forbidden" {
		t.Fatalf("sign with a verify-only key: %v, want 403 Forbidden", err)
	}
	_, err = c.Verify(ctx(t), name, "", azkeys.VerifyParameters{Algorithm: to.Ptr(azkeys.SignatureAlgorithmRS256), Digest: digest, Signature: make([]byte, 64)}, nil)
	if statusOf(err) != http.StatusBadRequest || codeOf(err) != "BadParameter" {
		t.Fatalf("RS256 with an EC key: %v, want 400 BadParameter", err)
	}
	_, err = c.CreateKey(ctx(t), unique("kerr"), azkeys.CreateKeyParameters{Kty: to.Ptr(azkeys.KeyTypeRSA), KeySize: to.Ptr[int32](1000)}, nil)
	if statusOf(err) != http.StatusBadRequest {
		t.Fatalf("RSA key of 1000 bits: %v, want 400", err)
	}
}
