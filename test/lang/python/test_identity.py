"""DefaultAzureCredential driven by environment variables only, against Kyanite's token service: a service principal
(tenant adfs, or a GUID tenant; with a secret or a client certificate), workload identity, an App Service managed
identity, and a service principal under --auth strict."""
import base64
import json
import os

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

IDENTITY_VARS = ['AZURE_AUTHORITY_HOST', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET',
                 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_FEDERATED_TOKEN_FILE',
                 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'MSI_ENDPOINT', 'MSI_SECRET', 'AZURE_POD_IDENTITY_AUTHORITY_HOST']
ZERO_TENANT = '00000000-0000-0000-0000-000000000000'
MANAGED_IDENTITY_CLIENT_ID = '3cf1c726-808e-4e8d-b60e-b8f4fca971c1'  # Kyanite's system-assigned identity


def claims(token: str) -> dict:
    payload = token.split('.')[1]
    return json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))


@pytest.fixture
def only(monkeypatch):
    """Replace the identity variables the wrapper set with exactly the given ones."""
    def apply(**values):
        for var in IDENTITY_VARS:
            monkeypatch.delenv(var, raising=False)
        for var, value in values.items():
            monkeypatch.setenv(var, value)
    return apply


def test_service_principal_from_env(kyanite_url, vault_url, name):
    # The wrapper's variables: AZURE_AUTHORITY_HOST=Kyanite, AZURE_TENANT_ID=adfs, a client id and secret.
    assert os.environ['AZURE_AUTHORITY_HOST'] == kyanite_url and os.environ['AZURE_TENANT_ID'] == 'adfs'
    credential = DefaultAzureCredential()
    token = credential.get_token('https://vault.azure.net/.default')
    seen = claims(token.token)
    assert seen['appid'] == os.environ['AZURE_CLIENT_ID']
    assert seen['tid'] == ZERO_TENANT
    assert seen['aud'] == 'https://vault.azure.net'
    assert seen['iss'].startswith(kyanite_url)
    client = SecretClient(vault_url, credential)
    n = name('sp')
    assert client.set_secret(n, 'as a service principal').value == 'as a service principal'


def test_service_principal_with_a_guid_tenant(only, kyanite_url, vault_url, name):
    # With a GUID tenant MSAL asks login.microsoftonline.com for instance discovery unless told not to: the one
    # code change this flow needs (docs/clients/python.md).
    only(AZURE_AUTHORITY_HOST=kyanite_url, AZURE_TENANT_ID=ZERO_TENANT, AZURE_CLIENT_ID='guid-tenant-app',
         AZURE_CLIENT_SECRET='s')
    credential = DefaultAzureCredential(disable_instance_discovery=True)
    assert claims(credential.get_token('https://vault.azure.net/.default').token)['tid'] == ZERO_TENANT
    client = SecretClient(vault_url, credential)
    assert client.set_secret(name('guid'), 'x').value == 'x'


def test_service_principal_with_a_client_certificate(only, kyanite_url, vault_url, name, tmp_path):
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'cert-app')])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    pem = tmp_path / 'client.pem'
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM))
    # MSAL signs a client assertion with the certificate's key instead of sending a secret.
    only(AZURE_AUTHORITY_HOST=kyanite_url, AZURE_TENANT_ID='adfs', AZURE_CLIENT_ID='cert-app',
         AZURE_CLIENT_CERTIFICATE_PATH=str(pem))
    credential = DefaultAzureCredential()
    assert claims(credential.get_token('https://vault.azure.net/.default').token)['appid'] == 'cert-app'
    assert SecretClient(vault_url, credential).set_secret(name('certcred'), 'x').value == 'x'


def test_workload_identity_federated_token_file(only, kyanite_url, vault_url, name, tmp_path):
    # Kubernetes workload identity: the pod's projected service-account token is sent as a client assertion.
    token_file = tmp_path / 'azure-identity-token'
    head = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').rstrip(b'=').decode()
    body = base64.urlsafe_b64encode(json.dumps({'iss': 'https://oidc.kyanite.test', 'sub': 'system:serviceaccount:ns:app',
                                                'aud': 'api://AzureADTokenExchange'}).encode()).rstrip(b'=').decode()
    token_file.write_text(f'{head}.{body}.c2lnbmF0dXJl')
    only(AZURE_AUTHORITY_HOST=kyanite_url, AZURE_TENANT_ID='adfs', AZURE_CLIENT_ID='workload-app',
         AZURE_FEDERATED_TOKEN_FILE=str(token_file))
    credential = DefaultAzureCredential()
    assert claims(credential.get_token('https://vault.azure.net/.default').token)['appid'] == 'workload-app'
    assert SecretClient(vault_url, credential).set_secret(name('workload'), 'x').value == 'x'


def test_managed_identity_app_service_style(only, kyanite_url, vault_url, name):
    only(IDENTITY_ENDPOINT=f'{kyanite_url}/msi/token', IDENTITY_HEADER='kyanite')
    credential = DefaultAzureCredential()
    seen = claims(credential.get_token('https://vault.azure.net/.default').token)
    assert seen['appid'] == MANAGED_IDENTITY_CLIENT_ID
    client = SecretClient(vault_url, credential)
    n = name('mi')
    client.set_secret(n, 'as a managed identity')
    assert client.get_secret(n).value == 'as a managed identity'


def test_managed_identity_imds_over_plain_http(only, vault_url, name):
    # As on an Azure VM: IMDS, at the host AZURE_POD_IDENTITY_AUTHORITY_HOST names (Kyanite's --imds-port listener).
    only(AZURE_POD_IDENTITY_AUTHORITY_HOST=os.environ['KYANITE_IMDS_URL'])
    credential = DefaultAzureCredential()
    seen = claims(credential.get_token('https://vault.azure.net/.default').token)
    assert seen['appid'] == MANAGED_IDENTITY_CLIENT_ID
    client = SecretClient(vault_url, credential)
    n = name('imds')
    client.set_secret(n, 'through IMDS')
    assert client.get_secret(n).value == 'through IMDS'


def test_service_principal_under_strict_auth(only, name):
    strict = os.environ['KYANITE_STRICT_URL']
    vault = os.environ['KYANITE_STRICT_VAULT_URL']
    only(AZURE_AUTHORITY_HOST=strict, AZURE_TENANT_ID='adfs', AZURE_CLIENT_ID=os.environ['KYANITE_STRICT_CLIENT_ID'],
         AZURE_CLIENT_SECRET=os.environ['KYANITE_STRICT_CLIENT_SECRET'])
    client = SecretClient(vault, DefaultAzureCredential())
    n = name('strict')
    client.set_secret(n, 'checked token')
    assert client.get_secret(n).value == 'checked token'

    # A wrong secret gets no token at all.
    only(AZURE_AUTHORITY_HOST=strict, AZURE_TENANT_ID='adfs', AZURE_CLIENT_ID=os.environ['KYANITE_STRICT_CLIENT_ID'],
         AZURE_CLIENT_SECRET='wrong')
    with pytest.raises(ClientAuthenticationError):
        SecretClient(vault, DefaultAzureCredential()).get_secret(n)

    # A token from elsewhere (not signed by this Kyanite) is refused with 401 and Key Vault's error body.
    class Foreign:
        def get_token(self, *scopes, **kwargs):
            from azure.core.credentials import AccessToken
            head = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b'=').decode()
            body = base64.urlsafe_b64encode(json.dumps({'aud': 'https://vault.azure.net', 'tid': ZERO_TENANT,
                                                        'oid': 'x', 'exp': 9999999999}).encode()).rstrip(b'=').decode()
            return AccessToken(f'{head}.{body}.', 9999999999)
    with pytest.raises(ClientAuthenticationError) as refused:
        SecretClient(vault, Foreign()).get_secret(n)
    assert refused.value.status_code == 401
    assert refused.value.error.code == 'Unauthorized'
