package kvtest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// secretsClient is a client of the default vault on https://localhost:PORT. Its challenge names
// https://vault.azure.net, which does not match localhost, so verification is off there.
func secretsClient(t *testing.T) *azsecrets.Client {
	t.Helper()
	c, err := azsecrets.NewClient(env(t, "KYANITE_URL"), credential(t), &azsecrets.ClientOptions{
		ClientOptions:                        clientOptions(),
		DisableChallengeResourceVerification: true,
	})
	must(t, err, "azsecrets.NewClient")
	return c
}

// TestSecretsNamedVault is the README's recipe: NAME.vault.localhost with challenge verification on
// (the challenge's resource https://vault.localhost:PORT is a suffix of the vault's host).
func TestSecretsNamedVault(t *testing.T) {
	url := env(t, "KEYVAULT_URL")
	c, err := azsecrets.NewClient(url, credential(t), &azsecrets.ClientOptions{ClientOptions: clientOptions()})
	must(t, err, "azsecrets.NewClient")
	name := unique("named")
	set, err := c.SetSecret(ctx(t), name, azsecrets.SetSecretParameters{Value: to.Ptr("hello from Go")}, nil)
	must(t, err, "SetSecret")
	if !strings.HasPrefix(string(*set.ID), strings.TrimSuffix(url, "/")+"/secrets/"+name+"/") {
		t.Fatalf("id %s is not under %s", *set.ID, url)
	}
	got, err := c.GetSecret(ctx(t), name, "", nil)
	must(t, err, "GetSecret")
	if *got.Value != "hello from Go" || got.ID.Version() != set.ID.Version() {
		t.Fatalf("got %q version %s, want the value just set, version %s", *got.Value, got.ID.Version(), set.ID.Version())
	}
}

func TestSecretsLifecycle(t *testing.T) {
	c := secretsClient(t)
	name := unique("life")
	expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	first, err := c.SetSecret(ctx(t), name, azsecrets.SetSecretParameters{
		Value:            to.Ptr("v1"),
		ContentType:      to.Ptr("text/plain"),
		Tags:             map[string]*string{"env": to.Ptr("test")},
		SecretAttributes: &azsecrets.SecretAttributes{Expires: &expires},
	}, nil)
	must(t, err, "SetSecret v1")
	if *first.ContentType != "text/plain" || *first.Tags["env"] != "test" || !first.Attributes.Expires.Equal(expires) {
		t.Fatalf("v1 came back as %+v / %+v", first.Secret, first.Attributes)
	}
	if *first.Attributes.RecoveryLevel == "" || first.Attributes.Created == nil || !*first.Attributes.Enabled {
		t.Fatalf("v1 attributes lack recovery level, created or enabled: %+v", first.Attributes)
	}
	second, err := c.SetSecret(ctx(t), name, azsecrets.SetSecretParameters{Value: to.Ptr("v2")}, nil)
	must(t, err, "SetSecret v2")
	if second.ID.Version() == first.ID.Version() || second.ID.Name() != name {
		t.Fatalf("v2 id %s vs v1 id %s", *second.ID, *first.ID)
	}

	// An old version stays readable by its version; the latest is v2.
	old, err := c.GetSecret(ctx(t), name, first.ID.Version(), nil)
	must(t, err, "GetSecret v1")
	latest, err := c.GetSecret(ctx(t), name, "", nil)
	must(t, err, "GetSecret latest")
	if *old.Value != "v1" || *latest.Value != "v2" {
		t.Fatalf("v1=%q latest=%q", *old.Value, *latest.Value)
	}

	// Versions pager: both versions, no values.
	versions := map[string]bool{}
	pager := c.NewListSecretPropertiesVersionsPager(name, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx(t))
		must(t, err, "versions page")
		for _, p := range page.Value {
			versions[p.ID.Version()] = true
		}
	}
	if len(versions) != 2 || !versions[first.ID.Version()] || !versions[second.ID.Version()] {
		t.Fatalf("versions %v, want %s and %s", versions, first.ID.Version(), second.ID.Version())
	}

	// Update properties of v1: disable it, change content type and tags; a disabled version cannot be read.
	upd, err := c.UpdateSecretProperties(ctx(t), name, first.ID.Version(), azsecrets.UpdateSecretPropertiesParameters{
		ContentType:      to.Ptr("application/json"),
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: to.Ptr(false)},
		Tags:             map[string]*string{"env": to.Ptr("prod"), "team": to.Ptr("go")},
	}, nil)
	must(t, err, "UpdateSecretProperties")
	if *upd.Attributes.Enabled || *upd.ContentType != "application/json" || *upd.Tags["team"] != "go" {
		t.Fatalf("update came back as %+v", upd.Secret)
	}
	if _, err := c.GetSecret(ctx(t), name, first.ID.Version(), nil); statusOf(err) != http.StatusForbidden || codeOf(err) != "Forbidden" {
		t.Fatalf("GetSecret of a disabled version: %v, want 403 Forbidden", err)
	}

	// Backup, delete, get deleted, recover, delete, purge, restore from the backup.
	backup, err := c.BackupSecret(ctx(t), name, nil)
	must(t, err, "BackupSecret")
	if len(backup.Value) == 0 {
		t.Fatal("empty backup")
	}
	del, err := c.DeleteSecret(ctx(t), name, nil)
	must(t, err, "DeleteSecret")
	if del.DeletedDate == nil || del.RecoveryID == nil || !strings.Contains(*del.RecoveryID, "/deletedsecrets/"+name) {
		t.Fatalf("deleted secret %+v", del.DeletedSecret)
	}
	if _, err := c.GetSecret(ctx(t), name, "", nil); statusOf(err) != http.StatusNotFound || codeOf(err) != "SecretNotFound" {
		t.Fatalf("GetSecret after delete: %v, want 404 SecretNotFound", err)
	}
	waitFor(t, "the deleted secret", func() error { _, err := c.GetDeletedSecret(ctx(t), name, nil); return err })
	found := false
	deletedPager := c.NewListDeletedSecretPropertiesPager(nil)
	for deletedPager.More() && !found {
		page, err := deletedPager.NextPage(ctx(t))
		must(t, err, "deleted secrets page")
		for _, p := range page.Value {
			found = found || p.ID.Name() == name
		}
	}
	if !found {
		t.Fatalf("%s not in the deleted secrets list", name)
	}
	_, err = c.RecoverDeletedSecret(ctx(t), name, nil)
	must(t, err, "RecoverDeletedSecret")
	waitFor(t, "the recovered secret", func() error { _, err := c.GetSecret(ctx(t), name, "", nil); return err })
	_, err = c.DeleteSecret(ctx(t), name, nil)
	must(t, err, "DeleteSecret again")
	waitFor(t, "the deleted secret", func() error { _, err := c.GetDeletedSecret(ctx(t), name, nil); return err })
	_, err = c.PurgeDeletedSecret(ctx(t), name, nil)
	must(t, err, "PurgeDeletedSecret")
	if _, err := c.GetDeletedSecret(ctx(t), name, nil); statusOf(err) != http.StatusNotFound {
		t.Fatalf("GetDeletedSecret after purge: %v, want 404", err)
	}
	restored, err := c.RestoreSecret(ctx(t), azsecrets.RestoreSecretParameters{SecretBackup: backup.Value}, nil)
	must(t, err, "RestoreSecret")
	if restored.ID.Name() != name {
		t.Fatalf("restored %s", *restored.ID)
	}
	again, err := c.GetSecret(ctx(t), name, "", nil)
	must(t, err, "GetSecret after restore")
	if *again.Value != "v2" {
		t.Fatalf("restored latest value %q, want v2", *again.Value)
	}
}

// TestSecretsPaging lists more secrets than one page holds (25) and finds every one, following nextLink, on the
// default vault and on the named one (whose nextLink carries the NAME.vault.localhost host).
func TestSecretsPaging(t *testing.T) {
	named, err := azsecrets.NewClient(env(t, "KEYVAULT_URL"), credential(t), &azsecrets.ClientOptions{ClientOptions: clientOptions()})
	must(t, err, "azsecrets.NewClient")
	for _, c := range []*azsecrets.Client{secretsClient(t), named} {
		pageThrough(t, c)
	}
}

func pageThrough(t *testing.T, c *azsecrets.Client) {
	prefix := unique("page")
	want := map[string]bool{}
	for i := 0; i < 30; i++ {
		name := prefix + "-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		_, err := c.SetSecret(ctx(t), name, azsecrets.SetSecretParameters{Value: to.Ptr("x")}, nil)
		must(t, err, "SetSecret "+name)
		want[name] = true
	}
	pages, seen := 0, map[string]bool{}
	pager := c.NewListSecretPropertiesPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx(t))
		must(t, err, "list page")
		pages++
		if len(page.Value) > 25 {
			t.Fatalf("a page of %d items", len(page.Value))
		}
		for _, p := range page.Value {
			if want[p.ID.Name()] {
				seen[p.ID.Name()] = true
			}
			if p.ID.Version() != "" {
				t.Fatalf("list item %s carries a version", *p.ID)
			}
		}
	}
	if pages < 2 || len(seen) != len(want) {
		t.Fatalf("%d pages, %d of %d secrets seen", pages, len(seen), len(want))
	}
}

func TestSecretsErrors(t *testing.T) {
	c := secretsClient(t)
	_, err := c.GetSecret(ctx(t), unique("missing"), "", nil)
	if statusOf(err) != http.StatusNotFound || codeOf(err) != "SecretNotFound" {
		t.Fatalf("missing secret: %v, want 404 SecretNotFound", err)
	}
	_, err = c.SetSecret(ctx(t), "bad_name!", azsecrets.SetSecretParameters{Value: to.Ptr("x")}, nil)
	if statusOf(err) != http.StatusBadRequest || codeOf(err) != "BadParameter" {
		t.Fatalf("bad name: %v, want 400 BadParameter", err)
	}
}

// waitFor retries a read until it succeeds (deletion and recovery are immediate in Kyanite, eventual in Azure).
func waitFor(t *testing.T, what string, read func() error) {
	t.Helper()
	var err error
	for i := 0; i < 20; i++ {
		if err = read(); err == nil {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: %v", what, err)
}
