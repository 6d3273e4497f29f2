"""The Python SDK documentation's Key Vault examples (sdk-doc-keyvault.md, a copy of "Azure Key Vault libraries for
Python"), run from the doc's own text against Kyanite.

The two client-library examples run unchanged: only the doc's free variables (VAULT_URL, KEY_NAME, ...) are given,
and `legacy_setup` points msrestazure's cloud at Kyanite (see conftest.py). The management example was written for
azure-mgmt-keyvault 1.x; the current package (14.1.0) cannot run it as printed against any server, Azure included,
so it runs with the placeholders filled and the smallest edits 14.1.0 requires, each listed in PORTED below and
asserted to apply exactly once (docs/clients/python.md explains each).
"""
import pathlib
import re
import uuid

from azure.keyvault.keys import KeyClient
from azure.keyvault.secrets import SecretClient

DOC = pathlib.Path(__file__).with_name('sdk-doc-keyvault.md')


def python_blocks():
    return re.findall(r'```python\n(.*?)```', DOC.read_text(), re.S)


def fill_placeholders(code: str, values: dict) -> str:
    """Give the doc's `NAME = '...'` placeholders their values, as a reader of the doc does."""
    for var, value in values.items():
        code, count = re.subn(rf"^{var} = '\.\.\.'$", f'{var} = {value!r}', code, flags=re.M)
        assert count == 1, f'placeholder {var} not found once'
    assert not re.search(r"^[A-Z_]+ = '\.\.\.'$", code, re.M), 'a placeholder was left unfilled'
    return code


def test_the_doc_has_three_examples():
    blocks = python_blocks()
    assert len(blocks) == 3
    assert 'client.get_key(VAULT_URL, KEY_NAME, KEY_VERSION)' in blocks[0]
    assert 'client.get_secret(VAULT_URL, SECRET_ID, SECRET_VERSION)' in blocks[1]
    assert 'client.vaults.create_or_update(' in blocks[2]


def test_retrieve_the_public_portion_of_an_asymmetric_key(legacy_setup, vault_url, credential, name):
    made = KeyClient(vault_url, credential).create_rsa_key(name('doc-key'), size=2048)
    scope = {'VAULT_URL': vault_url, 'KEY_NAME': made.name, 'KEY_VERSION': made.properties.version}
    exec(compile(python_blocks()[0], 'sdk-doc-keyvault.md#key', 'exec'), scope)
    key = scope['key']
    assert key.kid == made.id
    assert key.kty == 'RSA' and key.n == made.key.n and key.e == made.key.e


def test_retrieve_a_secret(legacy_setup, vault_url, credential, name):
    secrets = SecretClient(vault_url, credential)
    n = name('doc-secret')
    old = secrets.set_secret(n, 'the older value')
    secrets.set_secret(n, 'the newer value')
    scope = {'VAULT_URL': vault_url, 'SECRET_ID': n, 'SECRET_VERSION': old.properties.version}
    exec(compile(python_blocks()[1], 'sdk-doc-keyvault.md#secret', 'exec'), scope)
    assert scope['secret'] == 'the older value'


# What azure-mgmt-keyvault 14.1.0 needs that the 1.x-era example does not have, in order of appearance.
PORTED = [
    # Track-2 clients take an azure-core TokenCredential (get_token), which msrestazure credentials are not, and
    # need the management endpoint when it is not management.azure.com (the default token scope,
    # https://management.azure.com/.default, is one Kyanite's ARM accepts).
    ('client = KeyVaultManagementClient(credentials, SUBSCRIPTION_ID)',
     'client = KeyVaultManagementClient(DefaultAzureCredential(), SUBSCRIPTION_ID, base_url=KYANITE_URL)'),
    # Long-running operations are named begin_* since azure-mgmt-keyvault 7.0.
    ('client.vaults.create_or_update(', 'client.vaults.begin_create_or_update('),
    # Since 13.0 a dict body is sent as it is, so it must be the REST (camelCase) shape; the service refuses
    # snake_case names ("The property 'properties.tenantId' is required"), and so does Kyanite.
    ("'tenant_id': ALLOW_TENANT_ID,\n            'access_policies'", "'tenantId': ALLOW_TENANT_ID,\n            'accessPolicies'"),
    ("'object_id': ALLOW_OBJECT_ID,\n                'tenant_id': ALLOW_TENANT_ID,", "'objectId': ALLOW_OBJECT_ID,\n                'tenantId': ALLOW_TENANT_ID,"),
]


def test_create_a_vault_with_the_management_library(legacy_setup, kyanite_url, capsys):
    code = python_blocks()[2]
    for old, new in PORTED:
        assert code.count(old) == 1, f'the doc no longer has: {old}'
        code = code.replace(old, new)
    vault_name = 'docpy' + uuid.uuid4().hex[:10]
    code = fill_placeholders(code, {
        'SUBSCRIPTION_ID': '00000000-0000-0000-0000-000000000000',
        'ALLOW_OBJECT_ID': '11111111-1111-1111-1111-111111111111',
        'ALLOW_TENANT_ID': '00000000-0000-0000-0000-000000000000',
        'RESOURCE_GROUP': 'rg-doc',
        'VAULT_NAME': vault_name,
    })
    from azure.identity import DefaultAzureCredential
    scope = {'KYANITE_URL': kyanite_url, 'DefaultAzureCredential': DefaultAzureCredential}
    exec(compile(code, 'sdk-doc-keyvault.md#management', 'exec'), scope)

    port = kyanite_url.rsplit(':', 1)[1]
    vault_uri = f'https://{vault_name}.vault.localhost:{port}/'
    assert capsys.readouterr().out.strip() == f'New vault URI: {vault_uri}'
    vault = scope['vault']
    assert vault.properties.vault_uri == vault_uri
    assert vault.location == 'eastus'
    assert vault.properties.access_policies[0].permissions.secrets == ['all']
    # The new vault's data plane answers at the printed URI with the SDK's challenge verification on.
    client = SecretClient(vault_uri, DefaultAzureCredential())
    client.set_secret('after-create', 'ok')
    assert client.get_secret('after-create').value == 'ok'
