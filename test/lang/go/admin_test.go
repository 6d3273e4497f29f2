package kvtest

import (
	"net/http"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azadmin/backup"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azadmin/rbac"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azadmin/settings"
)

// TestAdminManagedHSMNotServed: azadmin's clients (settings, rbac, backup) speak only to Managed HSM, which Kyanite
// does not emulate (docs/recipes-go.md). What it does guarantee: they authenticate through the same challenge and
// get Key Vault's 404 error body, which the SDK turns into an azcore.ResponseError, never a 5xx or a hang.
func TestAdminManagedHSMNotServed(t *testing.T) {
	url := env(t, "KYANITE_URL")
	cred := credential(t)

	sc, err := settings.NewClient(url, cred, &settings.ClientOptions{ClientOptions: clientOptions(), DisableChallengeResourceVerification: true})
	must(t, err, "settings.NewClient")
	_, err = sc.GetSettings(ctx(t), nil)
	assertNotServed(t, "settings.GetSettings", err)

	rc, err := rbac.NewClient(url, cred, &rbac.ClientOptions{ClientOptions: clientOptions(), DisableChallengeResourceVerification: true})
	must(t, err, "rbac.NewClient")
	_, err = rc.NewListRoleDefinitionsPager(rbac.RoleScopeGlobal, nil).NextPage(ctx(t))
	assertNotServed(t, "rbac.ListRoleDefinitions", err)

	bc, err := backup.NewClient(url, cred, &backup.ClientOptions{ClientOptions: clientOptions(), DisableChallengeResourceVerification: true})
	must(t, err, "backup.NewClient")
	_, err = bc.BeginFullBackup(ctx(t), backup.SASTokenParameters{StorageResourceURI: to.Ptr("https://account.blob.core.windows.net/backups"), UseManagedIdentity: to.Ptr(true)}, nil)
	assertNotServed(t, "backup.BeginFullBackup", err)
}

func assertNotServed(t *testing.T, call string, err error) {
	t.Helper()
	if statusOf(err) != http.StatusNotFound || codeOf(err) != "NotFound" {
		t.Fatalf("%s: %v, want 404 NotFound", call, err)
	}
}
