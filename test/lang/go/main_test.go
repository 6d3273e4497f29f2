// Package kvtest drives a running Kyanite with the Azure SDK for Go (track 2). The vitest wrapper
// test/e2e/lang.go.test.ts starts Kyanite and passes everything through environment variables only:
//
//	KYANITE_URL       https://localhost:PORT: the vault "default", ARM and the token service
//	KEYVAULT_URL      https://NAME.vault.localhost:PORT: a named vault (the README's main recipe)
//	KYANITE_STRICT_URL https://localhost:PORT2: a second Kyanite in --auth strict that declares the principal below
//	SSL_CERT_FILE     both Kyanites' tls/ca.pem (Go's crypto/x509 reads it on Linux)
//	AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET: DefaultAzureCredential's service principal
package kvtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// env returns a required variable; a missing one fails the test (never skips), naming who sets it.
func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		t.Fatalf("%s is not set: run this suite through test/e2e/lang.go.test.ts (npx vitest run test/e2e/lang.go.test.ts), which starts Kyanite", name)
	}
	return v
}

// localhostTransport sends every *.localhost name to 127.0.0.1, since NAME.vault.localhost need not resolve on
// the machine (no /etc/hosts entries). Trust stays Go's default: the system roots plus SSL_CERT_FILE.
var localhostTransport = &http.Client{Transport: &http.Transport{
	Proxy: http.ProxyFromEnvironment,
	DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err == nil && (host == "localhost" || strings.HasSuffix(host, ".localhost")) {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, addr)
	},
	ForceAttemptHTTP2:   true,
	TLSHandshakeTimeout: 10 * time.Second,
	MaxIdleConnsPerHost: 16,
}}

// clientOptions are the azcore options every client here uses: the transport above and few, quick retries.
func clientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{
		Transport: localhostTransport,
		Retry:     policy.RetryOptions{MaxRetries: 2, RetryDelay: 100 * time.Millisecond},
	}
}

// credential is DefaultAzureCredential configured by the environment alone (nil options).
func credential(t *testing.T) azcore.TokenCredential {
	t.Helper()
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		t.Fatalf("NewDefaultAzureCredential: %v", err)
	}
	return cred
}

// unique gives a fresh object name, so tests share the vaults without colliding and reruns start clean.
func unique(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// must fails the test on an error, naming the step.
func must(t *testing.T, err error, step string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// statusOf is the HTTP status of an azcore.ResponseError, 0 for anything else.
func statusOf(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// codeOf is the service error code of an azcore.ResponseError.
func codeOf(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}
