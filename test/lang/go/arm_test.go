package kvtest

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

const (
	subscriptionID = "00000000-0000-0000-0000-000000000000"
	emulatorTenant = "00000000-0000-0000-0000-000000000000"
)

// kyaniteCloud points Resource Manager at Kyanite. azcore reads no environment variable for it, so this is code:
// cloud.Configuration with the ResourceManager service's endpoint (the token audience stays management.azure.com).
func kyaniteCloud(t *testing.T) cloud.Configuration {
	base := env(t, "KYANITE_URL")
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: base + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: base, Audience: "https://management.azure.com"},
		},
	}
}

func armFactory(t *testing.T) *armkeyvault.ClientFactory {
	t.Helper()
	opts := clientOptions()
	opts.Cloud = kyaniteCloud(t)
	f, err := armkeyvault.NewClientFactory(subscriptionID, credential(t), &arm.ClientOptions{ClientOptions: opts})
	must(t, err, "armkeyvault.NewClientFactory")
	return f
}

func TestARMVaultLifecycle(t *testing.T) {
	f := armFactory(t)
	vaults := f.NewVaultsClient()
	rg, name := unique("rg-go"), unique("kvgo")
	oid := tokenClaims(t, credential(t), "https://management.azure.com/.default")["oid"].(string)

	poller, err := vaults.BeginCreateOrUpdate(ctx(t), rg, name, armkeyvault.VaultCreateOrUpdateParameters{
		Location: to.Ptr("West Europe"),
		Tags:     map[string]*string{"suite": to.Ptr("go")},
		Properties: &armkeyvault.VaultProperties{
			TenantID: to.Ptr(emulatorTenant),
			SKU:      &armkeyvault.SKU{Family: to.Ptr(armkeyvault.SKUFamilyA), Name: to.Ptr(armkeyvault.SKUNameStandard)},
			AccessPolicies: []*armkeyvault.AccessPolicyEntry{{
				TenantID: to.Ptr(emulatorTenant), ObjectID: to.Ptr(oid),
				Permissions: &armkeyvault.Permissions{Secrets: []*armkeyvault.SecretPermissions{
					to.Ptr(armkeyvault.SecretPermissionsGet), to.Ptr(armkeyvault.SecretPermissionsSet), to.Ptr(armkeyvault.SecretPermissionsList)}},
			}},
			EnableSoftDelete:          to.Ptr(true),
			SoftDeleteRetentionInDays: to.Ptr[int32](7),
		},
	}, nil)
	must(t, err, "BeginCreateOrUpdate")
	created, err := poller.PollUntilDone(ctx(t), nil)
	must(t, err, "PollUntilDone")
	port := env(t, "KYANITE_URL")[strings.LastIndex(env(t, "KYANITE_URL"), ":"):]
	wantURI := "https://" + name + ".vault.localhost" + port + "/"
	if *created.Properties.VaultURI != wantURI || *created.Location != "westeurope" || *created.Properties.ProvisioningState != armkeyvault.VaultProvisioningStateSucceeded {
		t.Fatalf("created vault: uri %s, location %s", *created.Properties.VaultURI, *created.Location)
	}

	// The new vault serves the data plane at once, with challenge verification on.
	sc, err := azsecrets.NewClient(*created.Properties.VaultURI, credential(t), &azsecrets.ClientOptions{ClientOptions: clientOptions()})
	must(t, err, "azsecrets.NewClient")
	_, err = sc.SetSecret(ctx(t), "from-data-plane", azsecrets.SetSecretParameters{Value: to.Ptr("hello")}, nil)
	must(t, err, "SetSecret in the ARM-made vault")

	got, err := vaults.Get(ctx(t), rg, name, nil)
	must(t, err, "Get")
	if *got.Tags["suite"] != "go" || len(got.Properties.AccessPolicies) != 1 {
		t.Fatalf("vault read back: %+v", got.Vault)
	}
	upd, err := vaults.Update(ctx(t), rg, name, armkeyvault.VaultPatchParameters{Tags: map[string]*string{"suite": to.Ptr("go"), "stage": to.Ptr("patched")}}, nil)
	must(t, err, "Update")
	if *upd.Tags["stage"] != "patched" {
		t.Fatalf("patched tags %v", upd.Tags)
	}
	_, err = vaults.UpdateAccessPolicy(ctx(t), rg, name, armkeyvault.AccessPolicyUpdateKindAdd, armkeyvault.VaultAccessPolicyParameters{
		Properties: &armkeyvault.VaultAccessPolicyProperties{AccessPolicies: []*armkeyvault.AccessPolicyEntry{{
			TenantID: to.Ptr(emulatorTenant), ObjectID: to.Ptr("11111111-2222-3333-4444-555555555555"),
			Permissions: &armkeyvault.Permissions{Keys: []*armkeyvault.KeyPermissions{to.Ptr(armkeyvault.KeyPermissionsGet)}},
		}}},
	}, nil)
	must(t, err, "UpdateAccessPolicy add")
	got, err = vaults.Get(ctx(t), rg, name, nil)
	must(t, err, "Get after the policy change")
	if len(got.Properties.AccessPolicies) != 2 {
		t.Fatalf("%d access policies, want 2", len(got.Properties.AccessPolicies))
	}

	inGroup := 0
	gp := vaults.NewListByResourceGroupPager(rg, nil)
	for gp.More() {
		page, err := gp.NextPage(ctx(t))
		must(t, err, "list by resource group")
		inGroup += len(page.Value)
	}
	if inGroup != 1 {
		t.Fatalf("%d vaults in %s, want 1", inGroup, rg)
	}
	inSub := false
	sp := vaults.NewListBySubscriptionPager(nil)
	for sp.More() {
		page, err := sp.NextPage(ctx(t))
		must(t, err, "list by subscription")
		for _, v := range page.Value {
			inSub = inSub || *v.Name == name
		}
	}
	if !inSub {
		t.Fatalf("%s not listed in the subscription", name)
	}
	avail, err := vaults.CheckNameAvailability(ctx(t), armkeyvault.VaultCheckNameAvailabilityParameters{Name: to.Ptr(name), Type: to.Ptr("Microsoft.KeyVault/vaults")}, nil)
	must(t, err, "CheckNameAvailability")
	if *avail.NameAvailable || *avail.Reason != armkeyvault.ReasonAlreadyExists {
		t.Fatalf("name check of a used name: %+v", avail.CheckNameAvailabilityResult)
	}

	// Management-plane secrets and keys of the vault.
	secrets := f.NewSecretsClient()
	s, err := secrets.CreateOrUpdate(ctx(t), rg, name, "from-arm", armkeyvault.SecretCreateOrUpdateParameters{Properties: &armkeyvault.SecretProperties{Value: to.Ptr("via ARM")}}, nil)
	must(t, err, "Secrets.CreateOrUpdate")
	if !strings.HasPrefix(*s.Properties.SecretURI, wantURI+"secrets/from-arm") {
		t.Fatalf("secret uri %s", *s.Properties.SecretURI)
	}
	fromData, err := sc.GetSecret(ctx(t), "from-arm", "", nil)
	must(t, err, "GetSecret of the ARM-made secret")
	if *fromData.Value != "via ARM" {
		t.Fatalf("data plane reads %q", *fromData.Value)
	}
	keys := f.NewKeysClient()
	k, err := keys.CreateIfNotExist(ctx(t), rg, name, "arm-key", armkeyvault.KeyCreateParameters{Properties: &armkeyvault.KeyProperties{
		Kty: to.Ptr(armkeyvault.JSONWebKeyTypeRSA), KeySize: to.Ptr[int32](2048)}}, nil)
	must(t, err, "Keys.CreateIfNotExist")
	if *k.Properties.Kty != armkeyvault.JSONWebKeyTypeRSA || k.Properties.KeyURIWithVersion == nil {
		t.Fatalf("ARM key %+v", k.Properties)
	}
	versions := 0
	kp := keys.NewListVersionsPager(rg, name, "arm-key", nil)
	for kp.More() {
		page, err := kp.NextPage(ctx(t))
		must(t, err, "key versions")
		versions += len(page.Value)
	}
	if versions != 1 {
		t.Fatalf("%d key versions, want 1", versions)
	}

	// Soft delete, then purge.
	_, err = vaults.Delete(ctx(t), rg, name, nil)
	must(t, err, "Delete")
	if _, err := sc.GetSecret(ctx(t), "from-arm", "", nil); statusOf(err) != http.StatusNotFound {
		t.Fatalf("data plane of a deleted vault: %v, want 404", err)
	}
	deleted, err := vaults.GetDeleted(ctx(t), name, "westeurope", nil)
	must(t, err, "GetDeleted")
	if !strings.HasSuffix(*deleted.Properties.VaultID, "/resourceGroups/"+rg+"/providers/Microsoft.KeyVault/vaults/"+name) {
		t.Fatalf("deleted vault id %s", *deleted.Properties.VaultID)
	}
	listedDeleted := false
	dp := vaults.NewListDeletedPager(nil)
	for dp.More() {
		page, err := dp.NextPage(ctx(t))
		must(t, err, "list deleted")
		for _, v := range page.Value {
			listedDeleted = listedDeleted || *v.Name == name
		}
	}
	if !listedDeleted {
		t.Fatalf("%s not among deleted vaults", name)
	}
	purge, err := vaults.BeginPurgeDeleted(ctx(t), name, "westeurope", nil)
	must(t, err, "BeginPurgeDeleted")
	_, err = purge.PollUntilDone(ctx(t), nil)
	must(t, err, "purge PollUntilDone")
	avail, err = vaults.CheckNameAvailability(ctx(t), armkeyvault.VaultCheckNameAvailabilityParameters{Name: to.Ptr(name), Type: to.Ptr("Microsoft.KeyVault/vaults")}, nil)
	must(t, err, "CheckNameAvailability after purge")
	if !*avail.NameAvailable {
		t.Fatalf("name not available after purge: %+v", avail.CheckNameAvailabilityResult)
	}
}

func TestARMErrors(t *testing.T) {
	vaults := armFactory(t).NewVaultsClient()
	_, err := vaults.Get(ctx(t), unique("rg-none"), unique("kvnone"), nil)
	var re *azcore.ResponseError
	if statusOf(err) != http.StatusNotFound || !errors.As(err, &re) || re.ErrorCode != "ResourceNotFound" {
		t.Fatalf("missing vault: %v, want 404 ResourceNotFound", err)
	}
	_, err = vaults.BeginCreateOrUpdate(ctx(t), "rg-go", "bad--name", armkeyvault.VaultCreateOrUpdateParameters{
		Location: to.Ptr("westeurope"),
		Properties: &armkeyvault.VaultProperties{TenantID: to.Ptr(emulatorTenant),
			SKU: &armkeyvault.SKU{Family: to.Ptr(armkeyvault.SKUFamilyA), Name: to.Ptr(armkeyvault.SKUNameStandard)}},
	}, nil)
	if statusOf(err) != http.StatusBadRequest || codeOf(err) != "VaultNameNotValid" {
		t.Fatalf("bad vault name: %v, want 400 VaultNameNotValid", err)
	}
}
