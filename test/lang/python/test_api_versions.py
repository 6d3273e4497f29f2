"""Every api-version the current clients offer (their ApiVersion enums, 2016-10-01 … 2026-04-01) works against
Kyanite: applications pin older versions with `api_version=`."""
import pytest
from azure.keyvault.certificates import ApiVersion as CertificatesVersion
from azure.keyvault.certificates import CertificateClient, CertificatePolicy
from azure.keyvault.keys import ApiVersion as KeysVersion
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import ApiVersion as SecretsVersion
from azure.keyvault.secrets import SecretClient


@pytest.mark.parametrize('version', [v.value for v in SecretsVersion])
def test_secrets_at_every_api_version(vault_url, credential, name, version):
    client = SecretClient(vault_url, credential, api_version=version)
    n = name('ver')
    client.set_secret(n, version)
    assert client.get_secret(n).value == version
    assert n in {p.name for p in client.list_properties_of_secrets()}
    client.begin_delete_secret(n).wait()
    client.purge_deleted_secret(n)


@pytest.mark.parametrize('version', [v.value for v in KeysVersion])
def test_keys_at_every_api_version(vault_url, credential, name, version):
    client = KeyClient(vault_url, credential, api_version=version)
    n = name('ver')
    made = client.create_ec_key(n, curve='P-256')
    assert client.get_key(n).key.x == made.key.x
    assert [k.version for k in client.list_properties_of_key_versions(n)] == [made.properties.version]


@pytest.mark.parametrize('version', [v.value for v in CertificatesVersion])
def test_certificates_at_every_api_version(vault_url, credential, name, version):
    client = CertificateClient(vault_url, credential, api_version=version)
    n = name('ver')
    made = client.begin_create_certificate(n, CertificatePolicy.get_default()).result()
    assert bytes(client.get_certificate(n).cer) == bytes(made.cer)
