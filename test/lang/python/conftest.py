"""Fixtures for the Python suite. Everything comes from environment variables that test/e2e/lang.python.test.ts
sets after starting Kyanite the way the README says (a user sets the same ones by hand):

  KYANITE_URL        https://localhost:PORT (the vault `default`, ARM and the token service)
  KYANITE_VAULT_URL  https://NAME.vault.localhost:PORT (a vault made with --vault NAME)
  REQUESTS_CA_BUNDLE Kyanite's CA (DATA_DIR/tls/ca.pem), trusted by azure-core, MSAL and ADAL through requests
  AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET
                     a service principal signing in at Kyanite's token service (DefaultAzureCredential reads them)
  KYANITE_STRICT_URL, KYANITE_STRICT_VAULT_URL, KYANITE_STRICT_CLIENT_ID, KYANITE_STRICT_CLIENT_SECRET
                     a second Kyanite under --auth strict and the service principal it declares (test_identity.py)
  KYANITE_IMDS_URL   http://127.0.0.1:PORT, the first Kyanite's plain-HTTP IMDS listener (--imds-port)
"""
import os
import uuid

import pytest
from azure.identity import DefaultAzureCredential
from azure.keyvault.certificates import CertificateClient
from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient

REQUIRED = ['KYANITE_URL', 'KYANITE_VAULT_URL', 'REQUESTS_CA_BUNDLE', 'KYANITE_STRICT_URL', 'KYANITE_STRICT_VAULT_URL',
            'KYANITE_STRICT_CLIENT_ID', 'KYANITE_STRICT_CLIENT_SECRET', 'KYANITE_IMDS_URL']


def pytest_configure(config):
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        raise pytest.UsageError(
            f'missing environment variables {missing}: run this suite through test/e2e/lang.python.test.ts '
            '(npx vitest run test/e2e/lang.python.test.ts) or set them for a running Kyanite')


@pytest.fixture(scope='session')
def kyanite_url():
    return os.environ['KYANITE_URL'].rstrip('/')


@pytest.fixture(scope='session')
def vault_url():
    """The named vault: challenge resource verification stays on, as against *.vault.azure.net."""
    return os.environ['KYANITE_VAULT_URL'].rstrip('/')


@pytest.fixture(scope='session')
def credential():
    # The application's own line, unchanged: the environment points it at Kyanite's token service.
    return DefaultAzureCredential()


@pytest.fixture(scope='session')
def secret_client(vault_url, credential):
    return SecretClient(vault_url, credential)


@pytest.fixture(scope='session')
def key_client(vault_url, credential):
    return KeyClient(vault_url, credential)


@pytest.fixture(scope='session')
def certificate_client(vault_url, credential):
    return CertificateClient(vault_url, credential)


@pytest.fixture
def name():
    """A fresh object name per test, so tests never see each other's objects."""
    return lambda prefix='py': f'{prefix}-{uuid.uuid4().hex[:12]}'


@pytest.fixture
def legacy_setup(monkeypatch, kyanite_url):
    """What the legacy track-1 client (azure-keyvault 1.1.0, 2018) needs around unchanged code, on this machine:

    - msrestazure's public cloud gets Kyanite's ADFS authority (`https://localhost:PORT/adfs`) as its Active Directory
      endpoint, so ServicePrincipalCredentials signs in at Kyanite instead of login.microsoftonline.com. This is the
      cloud configuration a user would pass as `cloud_environment=`, set here so the documented code stays unchanged.
    - Python 3.11 removed `inspect.getargspec`, which azure-keyvault 1.1.0 calls when it answers a 401 challenge;
      `getfullargspec` returns the same `.args`. Without it the client fails on any Python >= 3.11, against Azure too.
    """
    import inspect

    from msrestazure import azure_cloud

    monkeypatch.setattr(azure_cloud.AZURE_PUBLIC_CLOUD.endpoints, 'active_directory', f'{kyanite_url}/adfs')
    if not hasattr(inspect, 'getargspec'):
        monkeypatch.setattr(inspect, 'getargspec', inspect.getfullargspec, raising=False)
