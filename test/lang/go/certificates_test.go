package kvtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// certsClient is a client of the default vault on https://localhost:PORT (challenge verification off there).
func certsClient(t *testing.T) *azcertificates.Client {
	t.Helper()
	c, err := azcertificates.NewClient(env(t, "KYANITE_URL"), credential(t), &azcertificates.ClientOptions{
		ClientOptions:                        clientOptions(),
		DisableChallengeResourceVerification: true,
	})
	must(t, err, "azcertificates.NewClient")
	return c
}

// awaitOperation polls the certificate operation, as the Go SDK leaves polling to its caller.
func awaitOperation(t *testing.T, c *azcertificates.Client, name, want string) azcertificates.CertificateOperation {
	t.Helper()
	var op azcertificates.GetCertificateOperationResponse
	var err error
	for i := 0; i < 60; i++ {
		op, err = c.GetCertificateOperation(ctx(t), name, nil)
		must(t, err, "GetCertificateOperation")
		if *op.Status == want {
			return op.CertificateOperation
		}
		if *op.Status != "inProgress" {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("operation of %s is %q (%v), want %q", name, *op.Status, op.Error, want)
	return op.CertificateOperation
}

// secretOf reads the certificate's secret (the key and the chain) through azsecrets, by the certificate's sid.
func secretOf(t *testing.T, sid *azcertificates.ID) azsecrets.Secret {
	t.Helper()
	c := secretsClient(t)
	s, err := c.GetSecret(ctx(t), sid.Name(), sid.Version(), nil)
	must(t, err, "GetSecret of the certificate")
	return s.Secret
}

func TestCertificatesSelfSigned(t *testing.T) {
	c := certsClient(t)
	for _, kt := range []struct {
		kty   azcertificates.KeyType
		curve *azcertificates.CurveName
		ct    string
	}{
		{azcertificates.KeyTypeRSA, nil, "application/x-pkcs12"},
		{azcertificates.KeyTypeEC, to.Ptr(azcertificates.CurveNameP256), "application/x-pem-file"},
	} {
		name := unique("self")
		policy := &azcertificates.CertificatePolicy{
			IssuerParameters: &azcertificates.IssuerParameters{Name: to.Ptr("Self")},
			KeyProperties:    &azcertificates.KeyProperties{KeyType: to.Ptr(kt.kty), Curve: kt.curve, Exportable: to.Ptr(true), ReuseKey: to.Ptr(false)},
			SecretProperties: &azcertificates.SecretProperties{ContentType: to.Ptr(kt.ct)},
			X509CertificateProperties: &azcertificates.X509CertificateProperties{
				Subject:                 to.Ptr("CN=go.kyanite.test"),
				SubjectAlternativeNames: &azcertificates.SubjectAlternativeNames{DNSNames: []*string{to.Ptr("go.kyanite.test"), to.Ptr("www.go.kyanite.test")}},
				ValidityInMonths:        to.Ptr[int32](12),
				EnhancedKeyUsage:        []*string{to.Ptr("1.3.6.1.5.5.7.3.1")},
				KeyUsage:                []*azcertificates.KeyUsageType{to.Ptr(azcertificates.KeyUsageTypeDigitalSignature)},
			},
		}
		created, err := c.CreateCertificate(ctx(t), name, azcertificates.CreateCertificateParameters{
			CertificatePolicy: policy, Tags: map[string]*string{"kind": to.Ptr(string(kt.kty))},
		}, nil)
		must(t, err, "CreateCertificate "+string(kt.kty))
		if created.Status == nil || created.ID == nil {
			t.Fatalf("create returned %+v", created.CertificateOperation)
		}
		awaitOperation(t, c, name, "completed")
		got, err := c.GetCertificate(ctx(t), name, "", nil)
		must(t, err, "GetCertificate")
		cert, err := x509.ParseCertificate(got.CER)
		must(t, err, "x509.ParseCertificate")
		// Self-signed, not a CA: check the signature itself (CheckSignatureFrom also wants CA constraints).
		must(t, cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature), "self-signature")
		thumb := sha1.Sum(got.CER)
		if cert.Subject.CommonName != "go.kyanite.test" || len(cert.DNSNames) != 2 || string(got.X509Thumbprint) != string(thumb[:]) ||
			len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth || cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
			t.Fatalf("%s certificate: subject %s, SANs %v, EKU %v", kt.kty, cert.Subject, cert.DNSNames, cert.ExtKeyUsage)
		}
		if months := cert.NotAfter.Sub(cert.NotBefore).Hours() / 24; months < 360 || months > 370 {
			t.Fatalf("validity of %.0f days, want 12 months", months)
		}
		if got.KID == nil || got.SID == nil || *got.Tags["kind"] != string(kt.kty) {
			t.Fatalf("certificate lacks kid/sid/tags: %+v", got.Certificate)
		}

		// The secret holds the private key of the certificate's public key, in the policy's format.
		secret := secretOf(t, got.SID)
		if *secret.ContentType != kt.ct || secret.KID == nil || *secret.Managed != true {
			t.Fatalf("secret content type %v, kid %v, managed %v", *secret.ContentType, secret.KID, secret.Managed)
		}
		var key any
		if kt.ct == "application/x-pkcs12" {
			pfx, err := base64.StdEncoding.DecodeString(*secret.Value)
			must(t, err, "base64 PFX")
			var leaf *x509.Certificate
			key, leaf, _, err = pkcs12.DecodeChain(pfx, "")
			must(t, err, "pkcs12.DecodeChain")
			if !leaf.Equal(cert) {
				t.Fatal("the PFX holds another certificate")
			}
		} else {
			key = pemPrivateKey(t, *secret.Value)
			if !strings.Contains(*secret.Value, "-----BEGIN CERTIFICATE-----") {
				t.Fatal("the PEM secret has no certificate")
			}
		}
		if !publicKeyMatches(cert.PublicKey, key) {
			t.Fatalf("%s: the secret's private key does not match the certificate", kt.kty)
		}

		// The policy as stored, then changed.
		pol, err := c.GetCertificatePolicy(ctx(t), name, nil)
		must(t, err, "GetCertificatePolicy")
		if *pol.X509CertificateProperties.Subject != "CN=go.kyanite.test" || *pol.IssuerParameters.Name != "Self" || *pol.SecretProperties.ContentType != kt.ct {
			t.Fatalf("policy read back: %+v", pol.CertificatePolicy)
		}
		upd, err := c.UpdateCertificatePolicy(ctx(t), name, azcertificates.CertificatePolicy{
			X509CertificateProperties: &azcertificates.X509CertificateProperties{ValidityInMonths: to.Ptr[int32](6), Subject: to.Ptr("CN=go.kyanite.test")},
			LifetimeActions: []*azcertificates.LifetimeAction{{
				Action:  &azcertificates.LifetimeActionType{ActionType: to.Ptr(azcertificates.CertificatePolicyActionEmailContacts)},
				Trigger: &azcertificates.LifetimeActionTrigger{DaysBeforeExpiry: to.Ptr[int32](30)},
			}},
		}, nil)
		must(t, err, "UpdateCertificatePolicy")
		if *upd.X509CertificateProperties.ValidityInMonths != 6 || len(upd.LifetimeActions) != 1 ||
			*upd.LifetimeActions[0].Action.ActionType != azcertificates.CertificatePolicyActionEmailContacts {
			t.Fatalf("updated policy: %+v", upd.CertificatePolicy)
		}
	}
}

func TestCertificatesLifecycle(t *testing.T) {
	c := certsClient(t)
	name := unique("clife")
	policy := &azcertificates.CertificatePolicy{
		IssuerParameters:          &azcertificates.IssuerParameters{Name: to.Ptr("Self")},
		X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: to.Ptr("CN=lifecycle"), ValidityInMonths: to.Ptr[int32](1)},
	}
	for i := 0; i < 2; i++ {
		_, err := c.CreateCertificate(ctx(t), name, azcertificates.CreateCertificateParameters{CertificatePolicy: policy}, nil)
		must(t, err, "CreateCertificate")
		awaitOperation(t, c, name, "completed")
	}
	versions := 0
	vp := c.NewListCertificatePropertiesVersionsPager(name, nil)
	for vp.More() {
		page, err := vp.NextPage(ctx(t))
		must(t, err, "versions page")
		versions += len(page.Value)
	}
	if versions != 2 {
		t.Fatalf("%d versions, want 2", versions)
	}
	listed := false
	lp := c.NewListCertificatePropertiesPager(nil)
	for lp.More() {
		page, err := lp.NextPage(ctx(t))
		must(t, err, "certificates page")
		for _, p := range page.Value {
			listed = listed || p.ID.Name() == name
		}
	}
	if !listed {
		t.Fatalf("%s not listed", name)
	}
	upd, err := c.UpdateCertificate(ctx(t), name, "", azcertificates.UpdateCertificateParameters{
		Tags: map[string]*string{"stage": to.Ptr("updated")}, CertificateAttributes: &azcertificates.CertificateAttributes{Enabled: to.Ptr(false)},
	}, nil)
	must(t, err, "UpdateCertificate")
	if *upd.Tags["stage"] != "updated" || *upd.Attributes.Enabled {
		t.Fatalf("updated %+v", upd.Certificate)
	}
	backup, err := c.BackupCertificate(ctx(t), name, nil)
	must(t, err, "BackupCertificate")
	del, err := c.DeleteCertificate(ctx(t), name, nil)
	must(t, err, "DeleteCertificate")
	if del.RecoveryID == nil || del.DeletedDate == nil {
		t.Fatalf("deleted %+v", del.DeletedCertificate)
	}
	waitFor(t, "the deleted certificate", func() error { _, err := c.GetDeletedCertificate(ctx(t), name, nil); return err })
	found := false
	dp := c.NewListDeletedCertificatePropertiesPager(nil)
	for dp.More() && !found {
		page, err := dp.NextPage(ctx(t))
		must(t, err, "deleted certificates page")
		for _, p := range page.Value {
			found = found || p.ID.Name() == name
		}
	}
	if !found {
		t.Fatalf("%s not among deleted certificates", name)
	}
	_, err = c.RecoverDeletedCertificate(ctx(t), name, nil)
	must(t, err, "RecoverDeletedCertificate")
	waitFor(t, "the recovered certificate", func() error { _, err := c.GetCertificate(ctx(t), name, "", nil); return err })
	_, err = c.DeleteCertificate(ctx(t), name, nil)
	must(t, err, "DeleteCertificate again")
	_, err = c.PurgeDeletedCertificate(ctx(t), name, nil)
	must(t, err, "PurgeDeletedCertificate")
	if _, err := c.GetCertificate(ctx(t), name, "", nil); statusOf(err) != http.StatusNotFound || codeOf(err) != "CertificateNotFound" {
		t.Fatalf("GetCertificate after purge: %v", err)
	}
	restored, err := c.RestoreCertificate(ctx(t), azcertificates.RestoreCertificateParameters{CertificateBackup: backup.Value}, nil)
	must(t, err, "RestoreCertificate")
	if restored.ID.Name() != name {
		t.Fatalf("restored %s", *restored.ID)
	}
}

// selfSignedByGo makes a certificate and key with Go's crypto, to import.
func selfSignedByGo(t *testing.T, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err, "rsa.GenerateKey")
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour), DNSNames: []string{cn},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err, "x509.CreateCertificate")
	cert, err := x509.ParseCertificate(der)
	must(t, err, "x509.ParseCertificate")
	return key, cert
}

func TestCertificatesImport(t *testing.T) {
	c := certsClient(t)

	// PFX made by go-pkcs12 (AES-256 PBES2, the current default), with a password.
	key, cert := selfSignedByGo(t, "pfx.go.kyanite.test")
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, "pfx-password")
	must(t, err, "pkcs12 encode")
	name := unique("imp-pfx")
	imp, err := c.ImportCertificate(ctx(t), name, azcertificates.ImportCertificateParameters{
		Base64EncodedCertificate: to.Ptr(base64.StdEncoding.EncodeToString(pfx)), Password: to.Ptr("pfx-password"),
	}, nil)
	must(t, err, "ImportCertificate PFX")
	thumb := sha1.Sum(cert.Raw)
	if string(imp.CER) != string(cert.Raw) || string(imp.X509Thumbprint) != string(thumb[:]) {
		t.Fatal("the imported PFX certificate came back changed")
	}
	if *imp.Policy.IssuerParameters.Name != "Unknown" || *imp.Policy.SecretProperties.ContentType != "application/x-pkcs12" {
		t.Fatalf("policy of an imported PFX: issuer %s, content type %s", *imp.Policy.IssuerParameters.Name, *imp.Policy.SecretProperties.ContentType)
	}
	secret := secretOf(t, imp.SID)
	raw, err := base64.StdEncoding.DecodeString(*secret.Value)
	must(t, err, "base64")
	back, leaf, _, err := pkcs12.DecodeChain(raw, "")
	must(t, err, "the secret's PFX (no password)")
	if !leaf.Equal(cert) || back.(*rsa.PrivateKey).N.Cmp(key.N) != 0 {
		t.Fatal("the secret's PFX holds another key or certificate")
	}
	_, err = c.ImportCertificate(ctx(t), unique("imp-bad"), azcertificates.ImportCertificateParameters{
		Base64EncodedCertificate: to.Ptr(base64.StdEncoding.EncodeToString(pfx)), Password: to.Ptr("wrong"),
	}, nil)
	if statusOf(err) != http.StatusBadRequest {
		t.Fatalf("PFX with a wrong password: %v, want 400", err)
	}

	// A PFX with a chain, imported with preserveCertOrder (api-version 7.6): the flag and the chain come back.
	_, ca1 := selfSignedByGo(t, "ca1.go.kyanite.test")
	_, ca2 := selfSignedByGo(t, "ca2.go.kyanite.test")
	key, cert = selfSignedByGo(t, "chain.go.kyanite.test")
	pfx, err = pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca1, ca2}, "")
	must(t, err, "pkcs12 encode with a chain")
	imp, err = c.ImportCertificate(ctx(t), unique("imp-chain"), azcertificates.ImportCertificateParameters{
		Base64EncodedCertificate: to.Ptr(base64.StdEncoding.EncodeToString(pfx)), PreserveCertOrder: to.Ptr(true),
	}, nil)
	must(t, err, "ImportCertificate PFX with a chain")
	if imp.PreserveCertOrder == nil || !*imp.PreserveCertOrder || string(imp.CER) != string(cert.Raw) {
		t.Fatalf("chain import: preserveCertOrder %v", imp.PreserveCertOrder)
	}
	raw, err = base64.StdEncoding.DecodeString(*secretOf(t, imp.SID).Value)
	must(t, err, "base64")
	_, _, chain, err := pkcs12.DecodeChain(raw, "")
	must(t, err, "the chain PFX")
	if len(chain) != 2 || !chain[0].Equal(ca1) || !chain[1].Equal(ca2) {
		t.Fatalf("the secret's chain has %d certificates, want ca1 then ca2", len(chain))
	}

	// PEM: certificate and PKCS#8 key, with the PEM content type in the policy.
	key, cert = selfSignedByGo(t, "pem.go.kyanite.test")
	der, err := x509.MarshalPKCS8PrivateKey(key)
	must(t, err, "PKCS#8")
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})) + string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	name = unique("imp-pem")
	imp, err = c.ImportCertificate(ctx(t), name, azcertificates.ImportCertificateParameters{
		Base64EncodedCertificate: to.Ptr(pemText),
		CertificatePolicy:        &azcertificates.CertificatePolicy{SecretProperties: &azcertificates.SecretProperties{ContentType: to.Ptr("application/x-pem-file")}},
	}, nil)
	must(t, err, "ImportCertificate PEM")
	if string(imp.CER) != string(cert.Raw) {
		t.Fatal("the imported PEM certificate came back changed")
	}
	secret = secretOf(t, imp.SID)
	if !publicKeyMatches(&key.PublicKey, pemPrivateKey(t, *secret.Value)) {
		t.Fatal("the PEM secret holds another key")
	}
}

// TestCertificatesMerge: a certificate for an unknown issuer yields a CSR; a CA made by Go signs it and the
// signed certificate is merged back.
func TestCertificatesMerge(t *testing.T) {
	c := certsClient(t)
	name := unique("merge")
	_, err := c.CreateCertificate(ctx(t), name, azcertificates.CreateCertificateParameters{CertificatePolicy: &azcertificates.CertificatePolicy{
		IssuerParameters:          &azcertificates.IssuerParameters{Name: to.Ptr("Unknown")},
		X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: to.Ptr("CN=merged.go.kyanite.test"), ValidityInMonths: to.Ptr[int32](12)},
		KeyProperties:             &azcertificates.KeyProperties{KeyType: to.Ptr(azcertificates.KeyTypeRSA), KeySize: to.Ptr[int32](2048)},
	}}, nil)
	must(t, err, "CreateCertificate (Unknown issuer)")
	op := awaitOperation(t, c, name, "inProgress")
	csr, err := x509.ParseCertificateRequest(op.CSR)
	must(t, err, "x509.ParseCertificateRequest")
	must(t, csr.CheckSignature(), "CSR signature")
	if csr.Subject.CommonName != "merged.go.kyanite.test" {
		t.Fatalf("CSR subject %s", csr.Subject)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err, "CA key")
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Go Test CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour), KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(t, err, "CA certificate")
	ca, _ := x509.ParseCertificate(caDER)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: csr.Subject, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, csr.PublicKey, caKey)
	must(t, err, "sign the CSR")
	merged, err := c.MergeCertificate(ctx(t), name, azcertificates.MergeCertificateParameters{X509Certificates: [][]byte{leafDER, caDER}}, nil)
	must(t, err, "MergeCertificate")
	if string(merged.CER) != string(leafDER) {
		t.Fatal("the merged certificate is not the one the CA signed")
	}
	awaitOperation(t, c, name, "completed")
	leaf, _ := x509.ParseCertificate(merged.CER)
	must(t, leaf.CheckSignatureFrom(ca), "leaf signed by the CA")
	secret := secretOf(t, merged.SID)
	raw, err := base64.StdEncoding.DecodeString(*secret.Value)
	must(t, err, "base64")
	key, _, chain, err := pkcs12.DecodeChain(raw, "")
	must(t, err, "the merged certificate's PFX")
	if !publicKeyMatches(leaf.PublicKey, key) || len(chain) != 1 || !chain[0].Equal(ca) {
		t.Fatalf("the merged PFX: key matches %v, chain of %d", publicKeyMatches(leaf.PublicKey, key), len(chain))
	}
}

func TestCertificatesIssuersAndContacts(t *testing.T) {
	c := certsClient(t)
	name := unique("issuer")
	set, err := c.SetIssuer(ctx(t), name, azcertificates.SetIssuerParameters{
		Provider:    to.Ptr("Test"),
		Credentials: &azcertificates.IssuerCredentials{AccountID: to.Ptr("account"), Password: to.Ptr("secret")},
		OrganizationDetails: &azcertificates.OrganizationDetails{AdminContacts: []*azcertificates.AdministratorContact{
			{Email: to.Ptr("admin@go.kyanite.test"), FirstName: to.Ptr("Ada"), LastName: to.Ptr("Go"), Phone: to.Ptr("555")},
		}},
		Attributes: &azcertificates.IssuerAttributes{Enabled: to.Ptr(true)},
	}, nil)
	must(t, err, "SetIssuer")
	if *set.Provider != "Test" || !strings.HasSuffix(*set.ID, "/certificates/issuers/"+name) || *set.Credentials.AccountID != "account" {
		t.Fatalf("issuer set: %+v", set.Issuer)
	}
	upd, err := c.UpdateIssuer(ctx(t), name, azcertificates.UpdateIssuerParameters{Provider: to.Ptr("OneCertV2-PublicCA")}, nil)
	must(t, err, "UpdateIssuer")
	if *upd.Provider != "OneCertV2-PublicCA" || *upd.Credentials.AccountID != "account" {
		t.Fatalf("issuer updated: %+v", upd.Issuer)
	}
	got, err := c.GetIssuer(ctx(t), name, nil)
	must(t, err, "GetIssuer")
	if *got.OrganizationDetails.AdminContacts[0].Email != "admin@go.kyanite.test" {
		t.Fatalf("issuer read back: %+v", got.Issuer)
	}
	listed := false
	pager := c.NewListIssuerPropertiesPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx(t))
		must(t, err, "issuers page")
		for _, p := range page.Value {
			listed = listed || strings.HasSuffix(*p.ID, "/"+name)
		}
	}
	if !listed {
		t.Fatalf("issuer %s not listed", name)
	}
	_, err = c.DeleteIssuer(ctx(t), name, nil)
	must(t, err, "DeleteIssuer")
	if _, err := c.GetIssuer(ctx(t), name, nil); statusOf(err) != http.StatusNotFound {
		t.Fatalf("GetIssuer after delete: %v", err)
	}

	contacts, err := c.SetContacts(ctx(t), azcertificates.Contacts{ContactList: []*azcertificates.Contact{
		{Email: to.Ptr("ops@go.kyanite.test"), Name: to.Ptr("Ops"), Phone: to.Ptr("1234")},
		{Email: to.Ptr("sec@go.kyanite.test")},
	}}, nil)
	must(t, err, "SetContacts")
	if len(contacts.ContactList) != 2 || contacts.ID == nil {
		t.Fatalf("contacts set: %+v", contacts.Contacts)
	}
	read, err := c.GetContacts(ctx(t), nil)
	must(t, err, "GetContacts")
	if *read.ContactList[0].Email != "ops@go.kyanite.test" || *read.ContactList[1].Email != "sec@go.kyanite.test" {
		t.Fatalf("contacts read back: %+v", read.ContactList)
	}
	_, err = c.DeleteContacts(ctx(t), nil)
	must(t, err, "DeleteContacts")
	if _, err := c.GetContacts(ctx(t), nil); statusOf(err) != http.StatusNotFound {
		t.Fatalf("GetContacts after delete: %v", err)
	}
}

func pemPrivateKey(t *testing.T, text string) any {
	t.Helper()
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			t.Fatal("no private key in the PEM")
		}
		switch block.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			must(t, err, "PKCS#8")
			return k
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			must(t, err, "PKCS#1")
			return k
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(block.Bytes)
			must(t, err, "SEC 1")
			return k
		}
	}
}

func publicKeyMatches(pub any, priv any) bool {
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return false
	}
	eq, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(pub)
}

// TestCertificatesOperationCancel: a pending operation (unknown issuer) is cancelled, then deleted.
func TestCertificatesOperationCancel(t *testing.T) {
	c := certsClient(t)
	name := unique("cancel")
	_, err := c.CreateCertificate(ctx(t), name, azcertificates.CreateCertificateParameters{CertificatePolicy: &azcertificates.CertificatePolicy{
		IssuerParameters:          &azcertificates.IssuerParameters{Name: to.Ptr("Unknown")},
		X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: to.Ptr("CN=cancelled")},
	}}, nil)
	must(t, err, "CreateCertificate")
	upd, err := c.UpdateCertificateOperation(ctx(t), name, azcertificates.UpdateCertificateOperationParameter{CancellationRequested: to.Ptr(true)}, nil)
	must(t, err, "UpdateCertificateOperation")
	if !*upd.CancellationRequested {
		t.Fatalf("operation after cancel: %+v", upd.CertificateOperation)
	}
	del, err := c.DeleteCertificateOperation(ctx(t), name, nil)
	must(t, err, "DeleteCertificateOperation")
	if del.ID == nil || !strings.HasSuffix(string(*del.ID), "/certificates/"+name+"/pending") {
		t.Fatalf("deleted operation %+v", del.CertificateOperation)
	}
	if _, err := c.GetCertificateOperation(ctx(t), name, nil); statusOf(err) != http.StatusNotFound {
		t.Fatalf("GetCertificateOperation after delete: %v, want 404", err)
	}
}
