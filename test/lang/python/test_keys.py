"""azure-keyvault-keys against Kyanite: every key type and curve, import, rotation, rotation policy, release."""
import json
import os
import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.keys import (JsonWebKey, KeyCurveName, KeyReleasePolicy, KeyRotationLifetimeAction,
                                 KeyRotationPolicy, KeyRotationPolicyAction, KeyType)
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap_with_padding

from keyhelpers import CURVES, b64url, ec_jwk, ec_public, rsa_jwk, rsa_public, unb64url


@pytest.mark.parametrize('size', [2048, 3072, 4096])
@pytest.mark.parametrize('hsm', [False, True])
def test_rsa_keys_of_every_size(key_client, name, size, hsm):
    key = key_client.create_rsa_key(name('rsa'), size=size, hardware_protected=hsm)
    assert key.key_type == (KeyType.rsa_hsm if hsm else KeyType.rsa)
    public = rsa_public(key.key)
    assert public.key_size == size
    assert public.public_numbers().e == 65537
    assert set(key.key_operations) == {'encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'}
    assert key.key.d is None  # never the private part


@pytest.mark.parametrize('curve', [KeyCurveName.p_256, KeyCurveName.p_384, KeyCurveName.p_521, KeyCurveName.p_256_k])
@pytest.mark.parametrize('hsm', [False, True])
def test_ec_keys_on_every_curve(key_client, name, curve, hsm):
    key = key_client.create_ec_key(name('ec'), curve=curve, hardware_protected=hsm)
    assert key.key_type == (KeyType.ec_hsm if hsm else KeyType.ec)
    assert key.key.crv == curve
    assert ec_public(key.key).curve.name == CURVES[curve].name  # a point on the curve
    assert key.key.d is None


@pytest.mark.parametrize('size', [128, 192, 256])
@pytest.mark.parametrize('hsm', [False, True])
def test_oct_keys_of_every_size(key_client, name, size, hsm):
    key = key_client.create_oct_key(name('oct'), size=size, hardware_protected=hsm)
    assert key.key_type == (KeyType.oct_hsm if hsm else KeyType.oct)
    assert key.key.k is None  # symmetric material never leaves


def test_import_rsa_ec_and_oct_keys_keep_their_material(key_client, name):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    imported = key_client.import_key(name('imp-rsa'), rsa_jwk(private))
    assert imported.key_type == KeyType.rsa
    assert rsa_public(imported.key).public_numbers() == private.public_key().public_numbers()
    assert imported.key.d is None

    ec_private = ec.generate_private_key(ec.SECP384R1())
    imported_ec = key_client.import_key(name('imp-ec'), ec_jwk(ec_private, KeyCurveName.p_384), hardware_protected=True)
    assert imported_ec.key_type == KeyType.ec_hsm
    assert ec_public(imported_ec.key).public_numbers() == ec_private.public_key().public_numbers()

    oct_key = key_client.import_key(name('imp-oct'), JsonWebKey(kty='oct', k=os.urandom(32)))
    assert oct_key.key_type == KeyType.oct and oct_key.key.k is None

    with pytest.raises(HttpResponseError) as bad:
        key_client.import_key(name('imp-bad'), JsonWebKey(kty='RSA', n=b'\x01', e=b'\x01\x00\x01'))
    assert bad.value.status_code == 400


def test_update_list_delete_and_recover(key_client, name):
    n = name('life')
    first = key_client.create_ec_key(n, curve='P-256', tags={'a': '1'})
    second = key_client.create_ec_key(n, curve='P-256')
    updated = key_client.update_key_properties(n, first.properties.version, enabled=False, tags={'b': '2'},
                                               key_operations=['sign'])
    assert updated.properties.enabled is False and updated.properties.tags == {'b': '2'}
    assert updated.key_operations == ['sign']
    assert key_client.get_key(n).properties.version == second.properties.version
    assert {k.version for k in key_client.list_properties_of_key_versions(n)} == {first.properties.version,
                                                                               second.properties.version}
    assert n in {k.name for k in key_client.list_properties_of_keys()}

    key_client.begin_delete_key(n).wait()
    assert key_client.get_deleted_key(n).recovery_id
    with pytest.raises(ResourceNotFoundError) as gone:
        key_client.get_key(n)
    assert gone.value.error.code == 'KeyNotFound'
    key_client.begin_recover_deleted_key(n).wait()
    assert key_client.get_key(n).id == second.id

    blob = key_client.backup_key(n)
    key_client.begin_delete_key(n).wait()
    key_client.purge_deleted_key(n)
    assert key_client.restore_key_backup(blob).name == n
    assert key_client.get_key(n).key.x == second.key.x


def test_rotate_and_rotation_policy(key_client, name):
    n = name('rot')
    original = key_client.create_rsa_key(n, size=2048)
    default_policy = key_client.get_key_rotation_policy(n)
    assert [a.action for a in default_policy.lifetime_actions] == [KeyRotationPolicyAction.notify]

    policy = KeyRotationPolicy(
        expires_in='P90D',
        lifetime_actions=[
            KeyRotationLifetimeAction(KeyRotationPolicyAction.rotate, time_after_create='P30D'),
            KeyRotationLifetimeAction(KeyRotationPolicyAction.notify, time_before_expiry='P7D'),
        ],
    )
    stored = key_client.update_key_rotation_policy(n, policy)
    assert stored.expires_in == 'P90D'
    assert {(a.action, a.time_after_create, a.time_before_expiry) for a in stored.lifetime_actions} == {
        (KeyRotationPolicyAction.rotate, 'P30D', None), (KeyRotationPolicyAction.notify, None, 'P7D')}
    again = key_client.get_key_rotation_policy(n)
    assert again.id and again.expires_in == 'P90D'

    rotated = key_client.rotate_key(n)
    assert rotated.properties.version != original.properties.version
    assert rotated.key.n != original.key.n
    assert rotated.key_type == KeyType.rsa and len(rotated.key.n) == 256
    # The policy's expiresIn gives the new version its expiry.
    assert rotated.properties.expires_on is not None
    assert key_client.get_key(n).properties.version == rotated.properties.version
    assert len(list(key_client.list_properties_of_key_versions(n))) == 2


def test_random_bytes(key_client):
    first = key_client.get_random_bytes(32)
    assert len(first) == 32 and first != key_client.get_random_bytes(32)


AUTHORITY = 'https://attest.kyanite.test/'


def attestation_token(runtime: rsa.RSAPrivateKey, claims: dict) -> str:
    """An attestation token as a TEE would present it: RS256 JWT whose x-ms-runtime carries the key to wrap to."""
    pub = runtime.public_key().public_numbers()
    payload = {
        'iss': AUTHORITY, 'iat': int(time.time()), 'exp': int(time.time()) + 600,
        'x-ms-runtime': {'keys': [{'kty': 'RSA', 'kid': 'runtime-1', 'key_ops': ['encrypt'],
                                   'n': b64url(pub.n.to_bytes(256, 'big')), 'e': b64url(pub.e.to_bytes(3, 'big'))}]},
        **claims,
    }
    head = b64url(json.dumps({'alg': 'RS256', 'typ': 'JWT'}).encode()) + '.' + b64url(json.dumps(payload).encode())
    signature = runtime.sign(head.encode(), padding.PKCS1v15(), hashes.SHA256())
    return head + '.' + b64url(signature)


OAEP_HASH = {'CKM_RSA_AES_KEY_WRAP': hashes.SHA1(), 'RSA_AES_KEY_WRAP_256': hashes.SHA256(),
             'RSA_AES_KEY_WRAP_384': hashes.SHA384()}


def exportable_key(kind: str):
    """A key to import for release, and how to compare the released bytes with it."""
    if kind == 'EC':
        private = ec.generate_private_key(ec.SECP256R1())
        return ec_jwk(private, KeyCurveName.p_256), lambda released: (
            serialization.load_der_private_key(released, None).private_numbers() == private.private_numbers())
    if kind == 'RSA':
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return rsa_jwk(private), lambda released: (
            serialization.load_der_private_key(released, None).private_numbers() == private.private_numbers())
    material = os.urandom(32)
    return JsonWebKey(kty='oct-HSM', k=material), lambda released: released == material


@pytest.mark.parametrize('kind,enc', [('EC', 'RSA_AES_KEY_WRAP_256'), ('RSA', 'CKM_RSA_AES_KEY_WRAP'),
                                      ('oct', 'RSA_AES_KEY_WRAP_384'), ('EC', None)])
def test_release_wraps_the_key_to_the_attested_runtime_key(key_client, name, kind, enc):
    policy = {'version': '1.0.0', 'anyOf': [{'authority': AUTHORITY, 'allOf': [
        {'claim': 'x-ms-attestation-type', 'equals': 'sevsnpvm'}]}]}
    jwk, same_key = exportable_key(kind)
    n = name('rel')
    key_client.import_key(n, jwk, hardware_protected=True, exportable=True,
                          release_policy=KeyReleasePolicy(json.dumps(policy).encode()))
    runtime = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    released = key_client.release_key(n, attestation_token(runtime, {'x-ms-attestation-type': 'sevsnpvm'}),
                                      algorithm=enc, nonce='nonce-1')
    header_b64, payload_b64, _ = released.value.split('.')
    assert json.loads(unb64url(header_b64))['alg'] == 'RS256'
    body = json.loads(unb64url(payload_b64))
    assert body['request']['nonce'] == 'nonce-1'
    blob = json.loads(unb64url(body['response']['key']['key']['key_hsm']))
    used = enc or 'CKM_RSA_AES_KEY_WRAP'  # the service's default
    assert blob['header'] == {'kid': 'runtime-1', 'alg': 'dir', 'enc': used}
    # CKM_RSA_AES_KEY_WRAP: RSA-OAEP of a fresh AES key to the runtime key, then that key wrapping the released key
    # (PKCS#8 for RSA and EC, raw bytes for oct) with AES Key Wrap with Padding (RFC 5649).
    ciphertext = unb64url(blob['ciphertext'])
    oaep = padding.OAEP(padding.MGF1(OAEP_HASH[used]), OAEP_HASH[used], None)
    aes_key = runtime.decrypt(ciphertext[:256], oaep)
    assert same_key(aes_key_unwrap_with_padding(aes_key, ciphertext[256:]))

    with pytest.raises(HttpResponseError) as refused:
        key_client.release_key(n, attestation_token(runtime, {'x-ms-attestation-type': 'other'}))
    assert refused.value.status_code == 403


def test_release_needs_an_exportable_key_with_a_policy(key_client, name):
    n = name('norel')
    key_client.create_ec_key(n, curve='P-256', hardware_protected=True)
    runtime = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(HttpResponseError) as refused:
        key_client.release_key(n, attestation_token(runtime, {}))
    assert refused.value.status_code == 400


def test_attestation_of_hsm_and_software_keys(key_client, name):
    hsm = key_client.create_ec_key(name('att-hsm'), curve='P-256', hardware_protected=True)
    attested = key_client.get_key_attestation(hsm.name)
    assert attested.id == hsm.id
    assert attested.properties.attestation is None  # Kyanite has no HSM to attest with
    software = key_client.create_ec_key(name('att-sw'), curve='P-256')
    with pytest.raises(HttpResponseError) as refused:
        key_client.get_key_attestation(software.name)
    assert refused.value.status_code == 400


def test_key_operations_enabled_and_validity_are_enforced(key_client, credential, name):
    from datetime import datetime, timedelta, timezone

    from azure.keyvault.keys.crypto import CryptographyClient, SignatureAlgorithm

    digest = bytes(32)
    verify_only = key_client.create_ec_key(name('ops'), curve='P-256', key_operations=['verify'])
    with pytest.raises(HttpResponseError) as forbidden:
        CryptographyClient(verify_only, credential).sign(SignatureAlgorithm.es256, digest)
    assert forbidden.value.status_code == 403

    disabled = key_client.create_ec_key(name('off'), curve='P-256', enabled=False)
    with pytest.raises(HttpResponseError) as off:
        CryptographyClient(disabled.id, credential).sign(SignatureAlgorithm.es256, digest)
    assert off.value.status_code == 403

    expired = key_client.create_ec_key(name('exp'), curve='P-256',
                                       expires_on=datetime.now(timezone.utc) - timedelta(days=1))
    with pytest.raises(HttpResponseError) as late:
        CryptographyClient(expired.id, credential).sign(SignatureAlgorithm.es256, digest)
    assert late.value.status_code == 403
