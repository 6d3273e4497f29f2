"""Every Key Vault crypto algorithm through CryptographyClient, each result checked with `cryptography`.

Keys are imported so the test holds their private material: what Kyanite signs, encrypts or wraps is checked
locally, and what `cryptography` signs, encrypts or wraps is handed to Kyanite. The SDK runs encrypt, verify and
wrap locally when it has the public key, so those operations of Kyanite are reached through the client's own
pipeline with send_request (the REST call the SDK makes when it has no key material).
"""
import hashlib
import hmac
import os

import pytest
from azure.core.rest import HttpRequest
from azure.keyvault.keys import JsonWebKey, KeyCurveName
from azure.keyvault.keys.crypto import (CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm,
                                        SignatureAlgorithm)
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding as sympadding
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from keyhelpers import CURVES, b64url, ec_jwk, int_bytes, rsa_jwk, unb64url

API = '7.6'
HASHES = {'256': hashes.SHA256(), '384': hashes.SHA384(), '512': hashes.SHA512()}


def digest(data: bytes, bits: str) -> bytes:
    return hashlib.new(f'sha{bits}', data).digest()


def remote(key_client, key, operation: str, body: dict) -> dict:
    """POST /keys/{name}/{version}/{operation} through the KeyClient's pipeline (challenge auth included)."""
    path = f'/keys/{key.name}/{key.properties.version}/{operation}?api-version={API}'
    reply = key_client.send_request(HttpRequest('POST', path, json=body))
    assert reply.status_code == 200, reply.text()
    return reply.json()


@pytest.fixture(scope='module')
def rsa_key(key_client):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key = key_client.import_key(f'crypto-rsa-{os.urandom(4).hex()}', rsa_jwk(private))
    return private, key


@pytest.mark.parametrize('alg', ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])
def test_rsa_signatures(key_client, credential, rsa_key, alg):
    private, key = rsa_key
    bits = alg[2:]
    pad = padding.PKCS1v15() if alg.startswith('RS') else padding.PSS(padding.MGF1(HASHES[bits]), int(bits) // 8)
    d = digest(b'signed by Kyanite', bits)
    crypto = CryptographyClient(key, credential)

    signed = crypto.sign(SignatureAlgorithm(alg), d)
    assert signed.key_id == key.id and len(signed.signature) == 256
    private.public_key().verify(signed.signature, d, pad, utils.Prehashed(HASHES[bits]))

    theirs = private.sign(d, pad, utils.Prehashed(HASHES[bits]))
    assert remote(key_client, key, 'verify', {'alg': alg, 'digest': b64url(d), 'value': b64url(theirs)})['value'] is True
    forged = bytes([theirs[0] ^ 1]) + theirs[1:]
    assert remote(key_client, key, 'verify', {'alg': alg, 'digest': b64url(d), 'value': b64url(forged)})['value'] is False
    assert crypto.verify(SignatureAlgorithm(alg), d, signed.signature).is_valid


RSA_PADDINGS = {
    'RSA1_5': padding.PKCS1v15(),
    'RSA-OAEP': padding.OAEP(padding.MGF1(hashes.SHA1()), hashes.SHA1(), None),
    'RSA-OAEP-256': padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None),
}


@pytest.mark.parametrize('alg', list(RSA_PADDINGS))
def test_rsa_encryption_and_key_wrap(key_client, credential, rsa_key, alg):
    private, key = rsa_key
    pad = RSA_PADDINGS[alg]
    crypto = CryptographyClient(key, credential)
    plaintext = os.urandom(32)

    # cryptography encrypts, Kyanite decrypts (the SDK always decrypts remotely).
    assert crypto.decrypt(EncryptionAlgorithm(alg), private.public_key().encrypt(plaintext, pad)).plaintext == plaintext
    assert crypto.unwrap_key(KeyWrapAlgorithm(alg), private.public_key().encrypt(plaintext, pad)).key == plaintext
    # Kyanite encrypts and wraps, cryptography decrypts.
    for operation in ('encrypt', 'wrapKey'):
        out = remote(key_client, key, operation, {'alg': alg, 'value': b64url(plaintext)})
        assert private.decrypt(unb64url(out['value']), pad) == plaintext
    # The SDK's local encryption round-trips through Kyanite's decryption too.
    assert crypto.decrypt(EncryptionAlgorithm(alg), crypto.encrypt(EncryptionAlgorithm(alg), plaintext).ciphertext
                          ).plaintext == plaintext


@pytest.mark.parametrize('alg,curve', [('ES256', KeyCurveName.p_256), ('ES384', KeyCurveName.p_384),
                                       ('ES512', KeyCurveName.p_521), ('ES256K', KeyCurveName.p_256_k)])
def test_ec_signatures(key_client, credential, name, alg, curve):
    private = ec.generate_private_key(CURVES[curve])
    key = key_client.import_key(name('crypto-ec'), ec_jwk(private, curve))
    bits = {'ES256': '256', 'ES384': '384', 'ES512': '512', 'ES256K': '256'}[alg]
    d = digest(b'signed by Kyanite', bits)
    size = (private.curve.key_size + 7) // 8
    crypto = CryptographyClient(key, credential)

    signed = crypto.sign(SignatureAlgorithm(alg), d).signature
    assert len(signed) == 2 * size  # raw r || s, as JWS has it
    r, s = int.from_bytes(signed[:size], 'big'), int.from_bytes(signed[size:], 'big')
    private.public_key().verify(utils.encode_dss_signature(r, s), d, ec.ECDSA(utils.Prehashed(HASHES[bits])))

    theirs = utils.decode_dss_signature(private.sign(d, ec.ECDSA(utils.Prehashed(HASHES[bits]))))
    raw = int_bytes(theirs[0], size) + int_bytes(theirs[1], size)
    assert remote(key_client, key, 'verify', {'alg': alg, 'digest': b64url(d), 'value': b64url(raw)})['value'] is True
    assert remote(key_client, key, 'verify', {'alg': alg, 'digest': b64url(d[::-1]), 'value': b64url(raw)})['value'] is False
    with pytest.raises(InvalidSignature):
        private.public_key().verify(utils.encode_dss_signature(r, s), d[::-1], ec.ECDSA(utils.Prehashed(HASHES[bits])))


@pytest.fixture(scope='module')
def oct_keys(key_client):
    """AES keys of 128, 192 and 256 bits imported into the vault, by size."""
    made = {}
    for size in (128, 192, 256):
        material = os.urandom(size // 8)
        made[size] = (material, key_client.import_key(f'crypto-oct{size}-{os.urandom(4).hex()}',
                                                       JsonWebKey(kty='oct', k=material)))
    return made


@pytest.mark.parametrize('alg', ['HS256', 'HS384', 'HS512'])
def test_hmac_signatures_on_symmetric_keys(credential, oct_keys, alg):
    material, key = oct_keys[256]
    bits = alg[2:]
    d = digest(b'verify signatures against symmetric keys', bits)
    crypto = CryptographyClient(key, credential)
    signed = crypto.sign(SignatureAlgorithm(alg), d).signature
    assert signed == hmac.new(material, d, f'sha{bits}').digest()
    assert crypto.verify(SignatureAlgorithm(alg), d, signed).is_valid
    assert not crypto.verify(SignatureAlgorithm(alg), d, bytes(len(signed))).is_valid


@pytest.mark.parametrize('size', [128, 192, 256])
def test_aes_gcm(credential, oct_keys, size):
    material, key = oct_keys[size]
    crypto = CryptographyClient(key, credential)
    alg = EncryptionAlgorithm(f'A{size}GCM')
    plaintext, aad = b'GCM through Kyanite', b'header'
    out = crypto.encrypt(alg, plaintext, additional_authenticated_data=aad)
    assert len(out.iv) == 12 and len(out.tag) == 16
    assert AESGCM(material).decrypt(out.iv, out.ciphertext + out.tag, aad) == plaintext

    iv = os.urandom(12)
    sealed = AESGCM(material).encrypt(iv, plaintext, aad)
    opened = crypto.decrypt(alg, sealed[:-16], iv=iv, authentication_tag=sealed[-16:], additional_authenticated_data=aad)
    assert opened.plaintext == plaintext


# CBC and key wrap on oct keys go through send_request: CryptographyClient 4.11.3 builds a local SymmetricKey from
# the key bundle, which never carries `k`, so it runs A256CBCPAD and A*KW locally with random bytes instead of
# asking the vault (docs/clients/python.md). GCM and HS* are never local, so those tests use CryptographyClient.
@pytest.mark.parametrize('size', [128, 192, 256])
@pytest.mark.parametrize('pad', [False, True])
def test_aes_cbc(key_client, oct_keys, size, pad):
    material, key = oct_keys[size]
    alg = f'A{size}CBC{"PAD" if pad else ""}'
    plaintext = b'seventeen bytes!!' if pad else b'exactly 32 bytes of plaintext..!'
    iv = os.urandom(16)
    out = remote(key_client, key, 'encrypt', {'alg': alg, 'value': b64url(plaintext), 'iv': b64url(iv)})
    assert unb64url(out['iv']) == iv
    raw = Cipher(algorithms.AES(material), modes.CBC(iv)).decryptor()
    opened = raw.update(unb64url(out['value'])) + raw.finalize()
    if pad:
        unpad = sympadding.PKCS7(128).unpadder()
        opened = unpad.update(opened) + unpad.finalize()
    assert opened == plaintext

    padded = plaintext
    if pad:
        padder = sympadding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
    enc = Cipher(algorithms.AES(material), modes.CBC(iv)).encryptor()
    ciphertext = enc.update(padded) + enc.finalize()
    back = remote(key_client, key, 'decrypt', {'alg': alg, 'value': b64url(ciphertext), 'iv': b64url(iv)})
    assert unb64url(back['value']) == plaintext


@pytest.mark.parametrize('size', [128, 192, 256])
def test_aes_key_wrap(key_client, oct_keys, size):
    material, key = oct_keys[size]
    alg = f'A{size}KW'
    cek = os.urandom(32)
    wrapped = unb64url(remote(key_client, key, 'wrapKey', {'alg': alg, 'value': b64url(cek)})['value'])
    assert aes_key_unwrap(material, wrapped) == cek
    unwrapped = remote(key_client, key, 'unwrapKey', {'alg': alg, 'value': b64url(aes_key_wrap(material, cek))})
    assert unb64url(unwrapped['value']) == cek
    tampered = bytearray(aes_key_wrap(material, cek))
    tampered[3] ^= 1
    path = f'/keys/{key.name}/{key.properties.version}/unwrapKey?api-version={API}'
    refused = key_client.send_request(HttpRequest('POST', path, json={'alg': alg, 'value': b64url(bytes(tampered))}))
    assert refused.status_code == 400, refused.text()


def test_key_vault_rsa_private_key_plugs_into_cryptography(key_client, credential, name):
    """CryptographyClient.create_rsa_private_key: a `cryptography` RSAPrivateKey whose sign and decrypt run in Kyanite."""
    key = key_client.create_rsa_key(name('rsa-pk'), size=3072)
    private = CryptographyClient(key, credential).create_rsa_private_key()
    assert private.key_size == 3072
    public = private.public_key()
    assert public.public_numbers().n == int.from_bytes(key.key.n, 'big')
    signature = private.sign(b'message', padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    public.verify(signature, b'message', padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
    assert private.decrypt(public.encrypt(b'secret', oaep), oaep) == b'secret'


def test_algorithm_that_does_not_fit_the_key_is_a_400(key_client, rsa_key):
    _, key = rsa_key
    path = f'/keys/{key.name}/{key.properties.version}/sign?api-version={API}'
    reply = key_client.send_request(HttpRequest('POST', path, json={'alg': 'ES256', 'value': b64url(bytes(32))}))
    assert reply.status_code == 400
    assert reply.json()['error']['code'] == 'BadParameter'
