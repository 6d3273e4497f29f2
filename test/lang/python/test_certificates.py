"""azure-keyvault-certificates against Kyanite: self-signed, import PFX and PEM, CSR → merge, issuers, contacts,
policy, and the lifecycle; the certificates, keys and PFX Kyanite makes are read back with `cryptography`."""
import base64
from datetime import datetime, timedelta, timezone

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.certificates import (AdministratorContact, CertificateContact, CertificateContentType,
                                         CertificatePolicy, KeyCurveName, KeyType, LifetimeAction,
                                         CertificatePolicyAction, WellKnownIssuerNames)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def make_ca():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'Python suite CA')])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def self_signed(key, cn: str):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.now(timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=60))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(f'{cn}.example')]), critical=False)
            .sign(key, hashes.SHA256()))


def test_self_signed_rsa_with_default_policy(certificate_client, secret_client, key_client, name):
    n = name('cert')
    poller = certificate_client.begin_create_certificate(n, CertificatePolicy.get_default())
    cert = poller.result()
    assert cert.name == n and cert.properties.enabled
    parsed = x509.load_der_x509_certificate(bytes(cert.cer))
    assert parsed.subject.rfc4514_string() == 'CN=DefaultPolicy'
    assert parsed.issuer == parsed.subject
    parsed.verify_directly_issued_by(parsed)  # really self-signed
    assert parsed.public_key().key_size == 2048
    assert cert.properties.x509_thumbprint == parsed.fingerprint(hashes.SHA1())

    # The certificate's key and its PFX secret, addressed by the kid and sid Kyanite gave it.
    key = key_client.get_key(n, cert.key_id.rsplit('/', 1)[1])
    assert int.from_bytes(key.key.n, 'big') == parsed.public_key().public_numbers().n
    secret = secret_client.get_secret(n, cert.secret_id.rsplit('/', 1)[1])
    assert secret.properties.content_type == CertificateContentType.pkcs12
    private, leaf, _ = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
    assert leaf == parsed and private.public_key().public_numbers() == parsed.public_key().public_numbers()


def test_self_signed_ec_with_a_custom_policy(certificate_client, name):
    n = name('ec-cert')
    policy = CertificatePolicy(
        WellKnownIssuerNames.self, subject='CN=python.kyanite.test, O=Kyanite', san_dns_names=['a.kyanite.test'],
        key_type=KeyType.ec, key_curve_name=KeyCurveName.p_384, exportable=True, reuse_key=False,
        content_type=CertificateContentType.pem, validity_in_months=6,
        enhanced_key_usage=[ExtendedKeyUsageOID.SERVER_AUTH.dotted_string],
        lifetime_actions=[LifetimeAction(CertificatePolicyAction.auto_renew, days_before_expiry=30)],
    )
    cert = certificate_client.begin_create_certificate(n, policy, tags={'kind': 'ec'}).result()
    parsed = x509.load_der_x509_certificate(bytes(cert.cer))
    assert isinstance(parsed.public_key(), ec.EllipticCurvePublicKey)
    assert parsed.public_key().curve.name == 'secp384r1'
    assert parsed.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == 'python.kyanite.test'
    sans = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ['a.kyanite.test']
    days = (parsed.not_valid_after_utc - parsed.not_valid_before_utc).days
    assert 170 <= days <= 190

    stored = certificate_client.get_certificate_policy(n)
    assert stored.key_type == KeyType.ec and stored.key_curve_name == KeyCurveName.p_384
    assert stored.content_type == CertificateContentType.pem
    assert stored.lifetime_actions[0].action == CertificatePolicyAction.auto_renew
    stored_tags = certificate_client.get_certificate(n).properties.tags
    assert stored_tags == {'kind': 'ec'}

    # Policy update, properties update, a second version and the version list.
    updated = certificate_client.update_certificate_policy(n, CertificatePolicy(
        WellKnownIssuerNames.self, subject='CN=renewed.kyanite.test', key_type=KeyType.ec,
        key_curve_name=KeyCurveName.p_256, content_type=CertificateContentType.pem, validity_in_months=3))
    assert updated.subject == 'CN=renewed.kyanite.test'
    renewed = certificate_client.begin_create_certificate(n, certificate_client.get_certificate_policy(n)).result()
    assert x509.load_der_x509_certificate(bytes(renewed.cer)).public_key().curve.name == 'secp256r1'
    assert {c.version for c in certificate_client.list_properties_of_certificate_versions(n)} == {
        cert.properties.version, renewed.properties.version}
    assert bytes(certificate_client.get_certificate_version(n, cert.properties.version).cer) == bytes(cert.cer)
    props = certificate_client.update_certificate_properties(n, enabled=False, tags={'t': 'u'})
    assert props.properties.enabled is False and props.properties.tags == {'t': 'u'}


def test_import_pfx_with_password_and_pem(certificate_client, secret_client, name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = self_signed(key, 'imported-pfx')
    pfx = pkcs12.serialize_key_and_certificates(b'imported', key, cert, None,
                                                serialization.BestAvailableEncryption(b'pfx-password'))
    n = name('pfx')
    imported = certificate_client.import_certificate(n, pfx, password='pfx-password')
    assert x509.load_der_x509_certificate(bytes(imported.cer)) == cert
    assert imported.policy.content_type == CertificateContentType.pkcs12

    with pytest.raises(HttpResponseError) as wrong:
        certificate_client.import_certificate(name('pfx-bad'), pfx, password='not-it')
    assert wrong.value.status_code == 400

    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_cert = self_signed(ec_key, 'imported-pem')
    pem = ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption()) + ec_cert.public_bytes(serialization.Encoding.PEM)
    p = name('pem')
    imported_pem = certificate_client.import_certificate(
        p, pem, policy=CertificatePolicy(
            WellKnownIssuerNames.self, subject='CN=imported-pem', content_type=CertificateContentType.pem))
    assert x509.load_der_x509_certificate(bytes(imported_pem.cer)) == ec_cert
    # The PEM secret holds the same key and certificate.
    secret = secret_client.get_secret(p)
    assert secret.properties.content_type == CertificateContentType.pem
    loaded = serialization.load_pem_private_key(secret.value.encode(), None)
    assert loaded.private_numbers() == ec_key.private_numbers()
    assert x509.load_pem_x509_certificate(secret.value.encode()) == ec_cert


def test_csr_then_merge(certificate_client, name):
    n = name('csr')
    policy = CertificatePolicy(WellKnownIssuerNames.unknown, subject='CN=merged.kyanite.test',
                               san_dns_names=['merged.kyanite.test'])
    poller = certificate_client.begin_create_certificate(n, policy)
    operation = certificate_client.get_certificate_operation(n)
    assert operation.status == 'inProgress'
    csr = x509.load_der_x509_csr(bytes(operation.csr))
    assert csr.is_signature_valid
    assert csr.subject.rfc4514_string() == 'CN=merged.kyanite.test'

    ca_key, ca_cert = make_ca()
    now = datetime.now(timezone.utc)
    issued = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca_cert.subject)
              .public_key(csr.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(days=20))
              .sign(ca_key, hashes.SHA256()))
    # A certificate for another key is refused; the one for the CSR's key is merged, with its chain.
    stranger = self_signed(rsa.generate_private_key(public_exponent=65537, key_size=2048), 'stranger')
    with pytest.raises(HttpResponseError) as mismatch:
        certificate_client.merge_certificate(n, [stranger.public_bytes(serialization.Encoding.DER)])
    assert mismatch.value.status_code == 400
    merged = certificate_client.merge_certificate(n, [issued.public_bytes(serialization.Encoding.DER),
                                                      ca_cert.public_bytes(serialization.Encoding.DER)])
    assert x509.load_der_x509_certificate(bytes(merged.cer)) == issued
    assert certificate_client.get_certificate_operation(n).status == 'completed'
    # For issuer Unknown the SDK's poller does not wait: it ends at once on the pending operation.
    assert poller.result().csr == operation.csr
    assert bytes(certificate_client.get_certificate(n).cer) == bytes(merged.cer)


def test_cancel_and_delete_a_pending_operation(certificate_client, name):
    n = name('cancel')
    certificate_client.begin_create_certificate(n, CertificatePolicy(WellKnownIssuerNames.unknown, subject='CN=x'))
    cancelled = certificate_client.cancel_certificate_operation(n)
    assert cancelled.cancellation_requested
    deleted = certificate_client.delete_certificate_operation(n)
    assert deleted.id
    with pytest.raises(ResourceNotFoundError):
        certificate_client.get_certificate_operation(n)


def test_issuers(certificate_client, name):
    n = name('issuer')
    created = certificate_client.create_issuer(
        n, 'Test', account_id='acct', password='pw', organization_id='org',
        admin_contacts=[AdministratorContact(first_name='Ada', last_name='Lovelace', email='ada@kyanite.test',
                                             phone='555')])
    assert created.provider == 'Test' and created.account_id == 'acct'
    assert created.admin_contacts[0].email == 'ada@kyanite.test'
    got = certificate_client.get_issuer(n)
    assert got.organization_id == 'org' and got.enabled is True
    updated = certificate_client.update_issuer(n, enabled=False, account_id='acct2')
    assert updated.enabled is False and updated.account_id == 'acct2'
    assert n in {i.name for i in certificate_client.list_properties_of_issuers()}
    # A certificate naming the issuer waits for a merge, like Unknown.
    c = name('issued')
    certificate_client.begin_create_certificate(c, CertificatePolicy(n, subject='CN=issued'))
    assert certificate_client.get_certificate_operation(c).issuer_name == n
    assert certificate_client.delete_issuer(n).name == n
    with pytest.raises(ResourceNotFoundError):
        certificate_client.get_issuer(n)


def test_contacts(certificate_client):
    contacts = [CertificateContact(email='ops@kyanite.test', name='Ops', phone='1'),
                CertificateContact(email='sec@kyanite.test', name='Sec')]
    assert [c.email for c in certificate_client.set_contacts(contacts)] == ['ops@kyanite.test', 'sec@kyanite.test']
    assert [(c.name, c.phone) for c in certificate_client.get_contacts()] == [('Ops', '1'), ('Sec', None)]
    assert len(certificate_client.delete_contacts()) == 2
    with pytest.raises(ResourceNotFoundError):
        certificate_client.get_contacts()


def test_delete_recover_purge_backup_restore(certificate_client, name):
    n = name('cdel')
    cert = certificate_client.begin_create_certificate(n, CertificatePolicy.get_default()).result()
    listed = {c.name for c in certificate_client.list_properties_of_certificates()}
    assert n in listed
    deleted = certificate_client.begin_delete_certificate(n).result()
    assert deleted.recovery_id and bytes(deleted.cer) == bytes(cert.cer)
    assert n in {d.name for d in certificate_client.list_deleted_certificates()}
    with pytest.raises(ResourceNotFoundError):
        certificate_client.get_certificate(n)
    recovered = certificate_client.begin_recover_deleted_certificate(n).result()
    assert bytes(recovered.cer) == bytes(cert.cer)

    blob = certificate_client.backup_certificate(n)
    certificate_client.begin_delete_certificate(n).wait()
    certificate_client.purge_deleted_certificate(n)
    with pytest.raises(ResourceNotFoundError):
        certificate_client.get_deleted_certificate(n)
    restored = certificate_client.restore_certificate_backup(blob)
    assert restored.name == n and bytes(restored.cer) == bytes(cert.cer)
