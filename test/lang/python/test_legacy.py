"""The legacy track-1 client, azure-keyvault 1.1.0 (`KeyVaultClient`, api-version 7.0), with the
ServicePrincipalCredentials of azure.common, on both pre-made vaults."""
import hashlib
import os

import pytest
from azure.common.credentials import ServicePrincipalCredentials


@pytest.fixture
def legacy(legacy_setup):
    from azure.keyvault import KeyVaultClient
    credentials = ServicePrincipalCredentials(client_id=os.environ['AZURE_CLIENT_ID'],
                                              secret=os.environ['AZURE_CLIENT_SECRET'], tenant='adfs')
    return KeyVaultClient(credentials)


@pytest.fixture(params=['named', 'default'])
def vault(request, vault_url, kyanite_url):
    """The vault made with --vault (as https://NAME.vault.localhost:PORT) and the default one on localhost."""
    return vault_url if request.param == 'named' else kyanite_url


def test_secrets_and_their_versions(legacy, vault, name):
    n = name('legacy')
    first = legacy.set_secret(vault, n, 'one', content_type='text/plain')
    second = legacy.set_secret(vault, n, 'two')
    assert first.id.startswith(f'{vault}/secrets/{n}/')
    assert legacy.get_secret(vault, n, '').value == 'two'  # '' is the latest version
    assert legacy.get_secret(vault, n, first.id.rsplit('/', 1)[1]).value == 'one'
    assert {i.id for i in legacy.get_secret_versions(vault, n)} == {first.id, second.id}
    assert n in {i.id.rsplit('/', 1)[1] for i in legacy.get_secrets(vault)}


def test_missing_secret_raises_key_vault_error(legacy, vault, name):
    from azure.keyvault.models import KeyVaultErrorException
    with pytest.raises(KeyVaultErrorException) as missing:
        legacy.get_secret(vault, name('none'), '')
    assert missing.value.response.status_code == 404
    assert missing.value.error.error.code == 'SecretNotFound'


def test_keys_and_their_versions(legacy, vault, name):
    n = name('legacykey')
    first = legacy.create_key(vault, n, 'RSA', key_size=2048)
    second = legacy.create_key(vault, n, 'EC', curve='P-256')
    version = first.key.kid.rsplit('/', 1)[1]
    got = legacy.get_key(vault, n, version)
    assert got.key.kty == 'RSA' and got.key.n == first.key.n
    assert legacy.get_key(vault, n, '').key.kty == 'EC'
    assert {i.kid for i in legacy.get_key_versions(vault, n)} == {first.key.kid, second.key.kid}


@pytest.mark.parametrize('alg', ['HS256', 'HS384', 'HS512'])
def test_verify_signatures_against_symmetric_keys(legacy, vault, name, alg):
    # The Python SDK documentation's promise for the client library, on the pre-made vaults.
    n = name('hmac')
    key = legacy.create_key(vault, n, 'oct', key_size=256)
    version = key.key.kid.rsplit('/', 1)[1]
    digest = hashlib.new(f'sha{alg[2:]}', b'message').digest()
    signature = legacy.sign(vault, n, version, alg, digest).result
    assert len(signature) == len(digest)
    assert legacy.verify(vault, n, version, alg, digest, signature).value is True
    assert legacy.verify(vault, n, version, alg, digest, bytes(len(signature))).value is False


def test_key_vault_authentication_callback(legacy_setup, vault, name):
    # The callback style of azure-keyvault 1.x's own README: the callback gets a token for the vault resource.
    from azure.keyvault import KeyVaultAuthentication, KeyVaultClient
    challenges = []

    def auth_callback(server, resource, scope):
        challenges.append((server, resource))
        credentials = ServicePrincipalCredentials(client_id=os.environ['AZURE_CLIENT_ID'],
                                                  secret=os.environ['AZURE_CLIENT_SECRET'], tenant='adfs',
                                                  resource='https://vault.azure.net')
        token = credentials.token
        return token['token_type'], token['access_token']

    client = KeyVaultClient(KeyVaultAuthentication(auth_callback))
    n = name('callback')
    client.set_secret(vault, n, 'through the callback')
    assert client.get_secret(vault, n, '').value == 'through the callback'
    # The challenge names Kyanite's token service (path "/", no tenant) and the host's resource.
    server, resource = challenges[0]
    assert server == os.environ['KYANITE_URL'] + '/'
    assert resource == ('https://vault.azure.net' if vault == os.environ['KYANITE_URL']
                        else 'https://vault.localhost:' + vault.rsplit(':', 1)[1])
