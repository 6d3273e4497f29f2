package kvtest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// systemAssignedClientID is the client id Kyanite gives its system-assigned managed identity (docs/identity.md).
const systemAssignedClientID = "3cf1c726-808e-4e8d-b60e-b8f4fca971c1"

// tokenClaims gets a token from the credential and checks its RS256 signature with Go's crypto/rsa against the
// keys Kyanite publishes (OIDC discovery → jwks_uri), returning the claims.
func tokenClaims(t *testing.T, cred azcore.TokenCredential, scope string) map[string]any {
	t.Helper()
	tok, err := cred.GetToken(ctx(t), policy.TokenRequestOptions{Scopes: []string{scope}})
	must(t, err, "GetToken")
	parts := strings.Split(tok.Token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok.Token)
	}
	var header struct{ Alg, Kid string }
	must(t, json.Unmarshal(b64d(t, parts[0]), &header), "JWT header")
	var claims map[string]any
	must(t, json.Unmarshal(b64d(t, parts[1]), &claims), "JWT claims")

	base := env(t, "KYANITE_URL")
	var discovery struct {
		JwksURI string `json:"jwks_uri"`
	}
	getJSON(t, base+"/adfs/.well-known/openid-configuration", &discovery)
	var jwks struct {
		Keys []struct{ Kid, N, E string }
	}
	getJSON(t, discovery.JwksURI, &jwks)
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	for _, k := range jwks.Keys {
		if k.Kid != header.Kid {
			continue
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(b64d(t, k.N)), E: int(new(big.Int).SetBytes(b64d(t, k.E)).Int64())}
		if header.Alg != "RS256" {
			t.Fatalf("token alg %s", header.Alg)
		}
		must(t, rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], b64d(t, parts[2])), "token signature")
		return claims
	}
	t.Fatalf("no key %q in %s", header.Kid, discovery.JwksURI)
	return nil
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	res, err := localhostTransport.Get(url)
	must(t, err, "GET "+url)
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	must(t, json.NewDecoder(res.Body).Decode(into), "JSON of "+url)
}

// TestIdentityServicePrincipal: DefaultAzureCredential from AZURE_AUTHORITY_HOST, AZURE_TENANT_ID=adfs,
// AZURE_CLIENT_ID and AZURE_CLIENT_SECRET only (the wrapper sets them) gets Kyanite-signed tokens for the app.
func TestIdentityServicePrincipal(t *testing.T) {
	clientID := env(t, "AZURE_CLIENT_ID")
	claims := tokenClaims(t, credential(t), "https://vault.azure.net/.default")
	if claims["appid"] != clientID || claims["aud"] != "https://vault.azure.net" || claims["tid"] != "00000000-0000-0000-0000-000000000000" {
		t.Fatalf("service principal token claims %v", claims)
	}
	// The same credential through the named vault's challenge (scope https://vault.localhost:PORT/.default).
	c, err := azsecrets.NewClient(env(t, "KEYVAULT_URL"), credential(t), &azsecrets.ClientOptions{ClientOptions: clientOptions()})
	must(t, err, "azsecrets.NewClient")
	_, err = c.SetSecret(ctx(t), unique("sp"), azsecrets.SetSecretParameters{Value: to.Ptr("by the app")}, nil)
	must(t, err, "SetSecret with the service principal")
}

// TestIdentityManagedIdentity: with only IDENTITY_ENDPOINT and IDENTITY_HEADER (App Service), DefaultAzureCredential
// picks the managed identity and Kyanite issues tokens for its system-assigned identity.
func TestIdentityManagedIdentity(t *testing.T) {
	base := env(t, "KYANITE_URL")
	for _, name := range []string{"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_AUTHORITY_HOST"} {
		// Unset, not empty: an AZURE_CLIENT_ID that is set at all names a user-assigned identity.
		t.Setenv(name, "")
		must(t, os.Unsetenv(name), "unset "+name)
	}
	t.Setenv("IDENTITY_ENDPOINT", base+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "kyanite")
	cred := credential(t)
	claims := tokenClaims(t, cred, "https://vault.azure.net/.default")
	if claims["appid"] != systemAssignedClientID || claims["aud"] != "https://vault.azure.net" {
		t.Fatalf("managed identity token claims %v", claims)
	}
	c, err := azsecrets.NewClient(env(t, "KEYVAULT_URL"), cred, &azsecrets.ClientOptions{ClientOptions: clientOptions()})
	must(t, err, "azsecrets.NewClient")
	name := unique("mi")
	_, err = c.SetSecret(ctx(t), name, azsecrets.SetSecretParameters{Value: to.Ptr("by the managed identity")}, nil)
	must(t, err, "SetSecret with the managed identity")
	got, err := c.GetSecret(ctx(t), name, "", nil)
	must(t, err, "GetSecret with the managed identity")
	if *got.Value != "by the managed identity" {
		t.Fatalf("read back %q", *got.Value)
	}
}

// TestIdentityGUIDTenant: with a GUID tenant, MSAL first asks login.microsoftonline.com for instance discovery,
// which cannot be reached offline; DisableInstanceDiscovery (code, no variable exists for it) turns that off and
// the rest still comes from the environment.
func TestIdentityGUIDTenant(t *testing.T) {
	t.Setenv("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000000")
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{DisableInstanceDiscovery: true})
	must(t, err, "NewDefaultAzureCredential")
	claims := tokenClaims(t, cred, "https://vault.azure.net/.default")
	if claims["appid"] != env(t, "AZURE_CLIENT_ID") || claims["tid"] != "00000000-0000-0000-0000-000000000000" {
		t.Fatalf("GUID tenant token claims %v", claims)
	}
	c, err := azsecrets.NewClient(env(t, "KEYVAULT_URL"), cred, &azsecrets.ClientOptions{ClientOptions: clientOptions()})
	must(t, err, "azsecrets.NewClient")
	_, err = c.SetSecret(ctx(t), unique("guid"), azsecrets.SetSecretParameters{Value: to.Ptr("GUID tenant")}, nil)
	must(t, err, "SetSecret with a GUID tenant")
}

// TestIdentityStrictMode runs against a second Kyanite in --auth strict that declares the suite's principal
// (KYANITE_STRICT_URL, started with --principal $AZURE_CLIENT_ID:$AZURE_CLIENT_SECRET): the service principal from the environment gets in, a wrong secret gets no token, and a
// token signed by another Kyanite is refused by the vault.
func TestIdentityStrictMode(t *testing.T) {
	strict := env(t, "KYANITE_STRICT_URL")
	secret := env(t, "AZURE_CLIENT_SECRET")
	t.Setenv("AZURE_AUTHORITY_HOST", strict)
	client := func(cred azcore.TokenCredential) *azsecrets.Client {
		c, err := azsecrets.NewClient(strict, cred, &azsecrets.ClientOptions{ClientOptions: clientOptions(), DisableChallengeResourceVerification: true})
		must(t, err, "azsecrets.NewClient")
		return c
	}
	name := unique("strict")
	c := client(credential(t))
	_, err := c.SetSecret(ctx(t), name, azsecrets.SetSecretParameters{Value: to.Ptr("strict")}, nil)
	must(t, err, "SetSecret as the declared principal")
	got, err := c.GetSecret(ctx(t), name, "", nil)
	must(t, err, "GetSecret as the declared principal")
	if *got.Value != "strict" {
		t.Fatalf("read back %q", *got.Value)
	}

	t.Setenv("AZURE_CLIENT_SECRET", "not-the-secret")
	_, err = client(credential(t)).GetSecret(ctx(t), name, "", nil)
	var authErr *azidentity.AuthenticationFailedError
	if !errors.As(err, &authErr) || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("a wrong client secret: %v, want an AuthenticationFailedError with invalid_client", err)
	}

	// A token from the other Kyanite (--auth any, its own signing key) is not one this Kyanite issued.
	t.Setenv("AZURE_CLIENT_SECRET", secret)
	t.Setenv("AZURE_AUTHORITY_HOST", env(t, "KYANITE_URL"))
	_, err = client(credential(t)).GetSecret(ctx(t), name, "", nil)
	if statusOf(err) != http.StatusUnauthorized || codeOf(err) != "Unauthorized" || !strings.Contains(err.Error(), "AKV10013") {
		t.Fatalf("a foreign token: %v, want 401 Unauthorized AKV10013", err)
	}
}

// TestIdentityWorkloadIdentity: AZURE_FEDERATED_TOKEN_FILE (Kubernetes workload identity) instead of a secret;
// DefaultAzureCredential's WorkloadIdentityCredential sends the file's token as client_assertion, which Kyanite
// accepts in --auth any.
func TestIdentityWorkloadIdentity(t *testing.T) {
	clientID := env(t, "AZURE_CLIENT_ID")
	t.Setenv("AZURE_CLIENT_SECRET", "")
	must(t, os.Unsetenv("AZURE_CLIENT_SECRET"), "unset AZURE_CLIENT_SECRET")
	file := t.TempDir() + "/federated-token"
	must(t, os.WriteFile(file, []byte(b64u([]byte(`{"alg":"RS256"}`))+"."+b64u([]byte(`{"sub":"system:serviceaccount:default:go"}`))+".c2ln"), 0o600), "token file")
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", file)
	claims := tokenClaims(t, credential(t), "https://vault.azure.net/.default")
	if claims["appid"] != clientID {
		t.Fatalf("workload identity token claims %v", claims)
	}
}

// TestIdentityClientCertificate: AZURE_CLIENT_CERTIFICATE_PATH (a PEM with certificate and key) instead of a
// secret; EnvironmentCredential signs a client assertion with it.
func TestIdentityClientCertificate(t *testing.T) {
	clientID := env(t, "AZURE_CLIENT_ID")
	t.Setenv("AZURE_CLIENT_SECRET", "")
	must(t, os.Unsetenv("AZURE_CLIENT_SECRET"), "unset AZURE_CLIENT_SECRET")
	key, cert := selfSignedByGo(t, "go-suite-app")
	der, err := x509.MarshalPKCS8PrivateKey(key)
	must(t, err, "PKCS#8")
	file := t.TempDir() + "/client.pem"
	pemText := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
	must(t, os.WriteFile(file, pemText, 0o600), "certificate file")
	t.Setenv("AZURE_CLIENT_CERTIFICATE_PATH", file)
	claims := tokenClaims(t, credential(t), "https://vault.azure.net/.default")
	if claims["appid"] != clientID {
		t.Fatalf("client certificate token claims %v", claims)
	}
}
