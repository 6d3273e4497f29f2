// Sets and gets a secret in Kyanite with the Azure SDK for Go (track 1: services/keyvault/v7.1 and go-autorest),
// as Debian packages it (golang-github-azure-azure-sdk-for-go-dev 68.0.0). Usage: go run main.go NAME VALUE
//
// KEYVAULT_URL is the vault (https://myvault.vault.localhost:8443), SSL_CERT_FILE trusts Kyanite's CA, and the
// token comes from Kyanite's token service through the SDK's usual variables: AZURE_TENANT_ID=adfs,
// AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_ENVIRONMENT=AzureStackCloud and AZURE_ENVIRONMENT_FILEPATH (a JSON
// file whose activeDirectoryEndpoint is https://localhost:8443/).
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/services/keyvault/auth"
	"github.com/Azure/azure-sdk-for-go/services/keyvault/v7.1/keyvault"
)

func main() {
	vault, name, value := os.Getenv("KEYVAULT_URL"), os.Args[1], os.Args[2]
	client := keyvault.New()
	authorizer, err := auth.NewAuthorizerFromEnvironment()
	check(err)
	client.Authorizer = authorizer
	// NAME.vault.localhost goes to 127.0.0.1 without an /etc/hosts line (drop this where `kyanite hosts` lines exist).
	client.Sender = &http.Client{Transport: &http.Transport{DialContext: dialLocalhost}}

	ctx := context.Background()
	_, err = client.SetSecret(ctx, vault, name, keyvault.SecretSetParameters{Value: &value})
	check(err)
	got, err := client.GetSecret(ctx, vault, name, "") // "" = latest version
	check(err)
	fmt.Printf("%s = %s (%s)\n", name, *got.Value, *got.ID)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// dialLocalhost dials 127.0.0.1 for every *.localhost name, the way an /etc/hosts line would.
func dialLocalhost(ctx context.Context, network, addr string) (net.Conn, error) {
	if host, port, _ := net.SplitHostPort(addr); strings.HasSuffix(host, ".localhost") {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}
