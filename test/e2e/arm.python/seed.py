# The seed's management example on Debian's python3-azure, run by arm.python.test.ts with KYANITE_URL set,
# REQUESTS_CA_BUNDLE pointing at Kyanite's CA and this folder on PYTHONPATH (sitecustomize.py resolves *.localhost).
import json, os, time
from azure.core.credentials import AccessToken
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.keyvault.secrets import SecretClient

class StaticCredential:
    def get_token(self, *scopes, **kwargs):
        return AccessToken('kyanite-python-token', int(time.time()) + 3600)

BASE = os.environ['KYANITE_URL']
SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000'
TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47'
OBJECT_ID = '11111111-1111-1111-1111-111111111111'
RESOURCE_GROUP = 'rg-python'
VAULT_NAME = 'kv-python'
credentials = StaticCredential()
out = {}

# The seed's example, as written for the current SDK.
client = KeyVaultManagementClient(credentials, SUBSCRIPTION_ID, base_url=BASE, credential_scopes=[BASE + '/.default'])
vault = client.vaults.begin_create_or_update(RESOURCE_GROUP, VAULT_NAME, {
    'location': 'westeurope',
    'properties': {
        'sku': {'name': 'standard', 'family': 'A'},
        'tenant_id': TENANT_ID,
        'access_policies': [{'object_id': OBJECT_ID, 'tenant_id': TENANT_ID,
                             'permissions': {'keys': ['all'], 'secrets': ['all']}}],
    },
}).result()
out['vault_uri'] = vault.properties.vault_uri

secrets = SecretClient(vault.properties.vault_uri, credentials)
secrets.set_secret('seed', 'from-python')
out['secret'] = secrets.get_secret('seed').value

out['listed'] = [v.name for v in client.vaults.list_by_resource_group(RESOURCE_GROUP)]
out['available'] = client.vaults.check_name_availability({'name': VAULT_NAME, 'type': 'Microsoft.KeyVault/vaults'}).name_available
client.vaults.delete(RESOURCE_GROUP, VAULT_NAME)
out['deleted'] = client.vaults.get_deleted(VAULT_NAME, 'westeurope').properties.vault_id
client.vaults.begin_purge_deleted(VAULT_NAME, 'westeurope').result()
out['available_after_purge'] = client.vaults.check_name_availability({'name': VAULT_NAME, 'type': 'Microsoft.KeyVault/vaults'}).name_available
print(json.dumps(out))
