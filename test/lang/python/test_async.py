"""The asyncio clients (`.aio`, over aiohttp) against Kyanite. aiohttp does not read REQUESTS_CA_BUNDLE: it trusts
what OpenSSL's default paths give, so async code needs SSL_CERT_FILE pointing at Kyanite's CA as well
(docs/clients/python.md). Each test drives its coroutine with asyncio.run, so no pytest plugin is needed."""
import asyncio
import hashlib
import os

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.identity.aio import DefaultAzureCredential
from azure.keyvault.certificates import CertificatePolicy
from azure.keyvault.certificates.aio import CertificateClient
from azure.keyvault.keys.aio import KeyClient
from azure.keyvault.keys.crypto import SignatureAlgorithm
from azure.keyvault.keys.crypto.aio import CryptographyClient
from azure.keyvault.secrets.aio import SecretClient
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives import hashes

from keyhelpers import ec_public


@pytest.fixture(autouse=True)
def openssl_trust(monkeypatch):
    monkeypatch.setenv('SSL_CERT_FILE', os.environ['REQUESTS_CA_BUNDLE'])


def test_async_secrets_lifecycle(vault_url, name):
    async def run():
        async with DefaultAzureCredential() as credential, SecretClient(vault_url, credential) as client:
            n = name('async')
            first = await client.set_secret(n, 'one')
            await client.set_secret(n, 'two')
            assert (await client.get_secret(n)).value == 'two'
            assert (await client.get_secret(n, first.properties.version)).value == 'one'
            versions = [p.version async for p in client.list_properties_of_secret_versions(n, max_page_size=1)]
            assert len(versions) == 2
            deleted = await client.delete_secret(n)  # the async client waits for the deleted state itself
            assert deleted.recovery_id
            await client.purge_deleted_secret(n)
            with pytest.raises(ResourceNotFoundError):
                await client.get_deleted_secret(n)
    asyncio.run(run())


def test_async_keys_and_crypto(vault_url, name):
    async def run():
        async with DefaultAzureCredential() as credential, KeyClient(vault_url, credential) as keys:
            key = await keys.create_ec_key(name('async-ec'), curve='P-256')
            digest = hashlib.sha256(b'async').digest()
            async with CryptographyClient(key, credential) as crypto:
                signature = (await crypto.sign(SignatureAlgorithm.es256, digest)).signature
            r, s = int.from_bytes(signature[:32], 'big'), int.from_bytes(signature[32:], 'big')
            ec_public(key.key).verify(utils.encode_dss_signature(r, s), digest,
                                      ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            rotated = await keys.rotate_key(key.name)
            assert rotated.properties.version != key.properties.version
    asyncio.run(run())


def test_async_certificate_and_managed_identity(vault_url, kyanite_url, name, monkeypatch):
    for var in ('AZURE_AUTHORITY_HOST', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv('IDENTITY_ENDPOINT', f'{kyanite_url}/msi/token')
    monkeypatch.setenv('IDENTITY_HEADER', 'kyanite')

    async def run():
        async with DefaultAzureCredential() as credential, CertificateClient(vault_url, credential) as client:
            n = name('async-cert')
            cert = await client.create_certificate(n, CertificatePolicy.get_default())
            parsed = x509.load_der_x509_certificate(bytes(cert.cer))
            assert parsed.subject.rfc4514_string() == 'CN=DefaultPolicy'
            assert (await client.get_certificate(n)).properties.version == cert.properties.version
    asyncio.run(run())
