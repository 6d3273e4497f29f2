"""azure-mgmt-keyvault (the management plane) against Kyanite's ARM routes on https://localhost:PORT."""
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import (AccessPolicyEntry, Permissions, Sku, VaultCreateOrUpdateParameters,
                                       VaultProperties)

SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000'
TENANT_ID = '00000000-0000-0000-0000-000000000000'
OBJECT_ID = '11111111-1111-1111-1111-111111111111'


@pytest.fixture(scope='module')
def mgmt(kyanite_url, credential):
    # base_url and credential_scopes point the client at Kyanite instead of management.azure.com.
    return KeyVaultManagementClient(credential, SUBSCRIPTION_ID, base_url=kyanite_url,
                                    credential_scopes=[kyanite_url + '/.default'])


def vault_name() -> str:
    return 'pyv' + uuid.uuid4().hex[:12]


def create_body(**properties):
    # azure-mgmt-keyvault 13+ sends a dict body as it is, so it is the REST shape (camelCase), as for the service.
    return {'location': 'westeurope', 'tags': {'suite': 'python'}, 'properties': {
        'sku': {'name': 'standard', 'family': 'A'}, 'tenantId': TENANT_ID,
        'accessPolicies': [{'objectId': OBJECT_ID, 'tenantId': TENANT_ID,
                            'permissions': {'keys': ['all'], 'secrets': ['all']}}],
        **properties}}


def test_create_use_update_list_and_delete_a_vault(mgmt, credential, kyanite_url):
    name = vault_name()
    # The typed models, as the package's own samples write it.
    parameters = VaultCreateOrUpdateParameters(
        location='westeurope', tags={'suite': 'python'},
        properties=VaultProperties(
            tenant_id=TENANT_ID, sku=Sku(family='A', name='standard'),
            access_policies=[AccessPolicyEntry(tenant_id=TENANT_ID, object_id=OBJECT_ID, permissions=Permissions(
                keys_property=['all'], secrets=['all']))]))
    vault = mgmt.vaults.begin_create_or_update('rg-python', name, parameters).result()
    port = kyanite_url.rsplit(':', 1)[1]
    assert vault.properties.vault_uri == f'https://{name}.vault.localhost:{port}/'
    assert vault.properties.provisioning_state == 'Succeeded'
    assert vault.location == 'westeurope' and vault.tags == {'suite': 'python'}
    assert vault.properties.access_policies[0].object_id == OBJECT_ID
    # The client's api-version (2026-05-15) is past 2026-02-01, when RBAC became the default for new vaults.
    assert vault.properties.enable_rbac_authorization is True

    # The vault serves its data plane at once, with challenge verification on.
    secrets = SecretClient(vault.properties.vault_uri, credential)
    secrets.set_secret('made-by-arm', 'hello')
    assert secrets.get_secret('made-by-arm').value == 'hello'

    got = mgmt.vaults.get('rg-python', name)
    assert got.id == f'/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg-python/providers/Microsoft.KeyVault/vaults/{name}'
    updated = mgmt.vaults.update('rg-python', name, {'tags': {'suite': 'python', 'updated': 'yes'},
                                                     'properties': {'softDeleteRetentionInDays': 7}})
    assert updated.tags == {'suite': 'python', 'updated': 'yes'}
    assert updated.properties.soft_delete_retention_in_days == 7

    added = mgmt.vaults.update_access_policy('rg-python', name, 'add', {'properties': {'accessPolicies': [
        {'objectId': '22222222-2222-2222-2222-222222222222', 'tenantId': TENANT_ID,
         'permissions': {'certificates': ['get', 'list']}}]}})
    assert len(added.properties.access_policies) == 1
    assert len(mgmt.vaults.get('rg-python', name).properties.access_policies) == 2

    assert name in {v.name for v in mgmt.vaults.list_by_resource_group('rg-python')}
    assert name in {v.name for v in mgmt.vaults.list_by_subscription()}
    assert name in {v.name for v in mgmt.vaults.list()}
    taken = mgmt.vaults.check_name_availability({'name': name, 'type': 'Microsoft.KeyVault/vaults'})
    assert taken.name_available is False and taken.reason == 'AlreadyExists'

    mgmt.vaults.delete('rg-python', name)
    with pytest.raises(ResourceNotFoundError):
        mgmt.vaults.get('rg-python', name)
    with pytest.raises(ResourceNotFoundError) as gone:
        secrets.get_secret('made-by-arm')
    assert gone.value.error.code == 'VaultNotFound'
    deleted = mgmt.vaults.get_deleted(name, 'westeurope')
    assert deleted.properties.vault_id == got.id
    assert name in {d.name for d in mgmt.vaults.list_deleted()}

    # Recover brings the vault back with its objects; then delete and purge frees the name.
    recovered = mgmt.vaults.begin_create_or_update('rg-python', name, {
        'location': 'westeurope', 'properties': {'createMode': 'recover', 'tenantId': TENANT_ID,
                                                 'sku': {'name': 'standard', 'family': 'A'}}}).result()
    assert recovered.name == name
    assert secrets.get_secret('made-by-arm').value == 'hello'
    mgmt.vaults.delete('rg-python', name)
    mgmt.vaults.begin_purge_deleted(name, 'westeurope').result()
    with pytest.raises(ResourceNotFoundError):
        mgmt.vaults.get_deleted(name, 'westeurope')
    assert mgmt.vaults.check_name_availability({'name': name, 'type': 'Microsoft.KeyVault/vaults'}).name_available


def test_access_policy_vault_when_asked(mgmt):
    name = vault_name()
    vault = mgmt.vaults.begin_create_or_update('rg-python-ap', name, create_body(enableRbacAuthorization=False)).result()
    assert vault.properties.enable_rbac_authorization is False
    assert vault.properties.access_policies[0].permissions.keys_property == ['all']
    mgmt.vaults.delete('rg-python-ap', name)


def test_errors_are_cloud_errors(mgmt):
    with pytest.raises(HttpResponseError) as bad:
        mgmt.vaults.begin_create_or_update('rg-python', 'no--good', create_body()).result()
    assert bad.value.status_code == 400 and bad.value.error.code == 'VaultNameNotValid'
    name = vault_name()
    mgmt.vaults.begin_create_or_update('rg-python', name, create_body()).result()
    with pytest.raises((ResourceExistsError, HttpResponseError)) as taken:
        mgmt.vaults.begin_create_or_update('rg-python-other', name, create_body()).result()
    assert taken.value.status_code == 409 and taken.value.error.code == 'VaultAlreadyExists'
    mgmt.vaults.delete('rg-python', name)
    with pytest.raises(ResourceNotFoundError) as missing:
        mgmt.vaults.get('rg-python', vault_name())
    assert missing.value.status_code == 404


def test_secrets_and_keys_through_arm(mgmt, credential):
    name = vault_name()
    vault = mgmt.vaults.begin_create_or_update('rg-python', name, create_body()).result()
    secret = mgmt.secrets.create_or_update('rg-python', name, 'arm-secret', {'properties': {'value': 'from arm'}})
    assert secret.name == 'arm-secret'
    assert secret.properties.value is None  # ARM never returns secret values
    assert 'arm-secret' in {s.name for s in mgmt.secrets.list('rg-python', name)}
    key = mgmt.keys.create_if_not_exist('rg-python', name, 'arm-key', {'properties': {'kty': 'RSA', 'keySize': 2048}})
    assert key.properties.kty == 'RSA'
    assert 'arm-key' in {k.name for k in mgmt.keys.list('rg-python', name)}
    # The data plane sees what the management plane made.
    data = SecretClient(vault.properties.vault_uri, credential)
    assert data.get_secret('arm-secret').value == 'from arm'
    mgmt.vaults.delete('rg-python', name)


def test_managed_hsm_lists_are_empty(mgmt):
    assert list(mgmt.managed_hsms.list_by_subscription()) == []
    assert list(mgmt.managed_hsms.list_deleted()) == []


def test_operations_list(mgmt):
    names = {op.name for op in mgmt.operations.list()}
    assert 'Microsoft.KeyVault/vaults/read' in names


def test_vault_lists_page_with_top(mgmt):
    group = 'rg-python-paging'
    names = {vault_name() for _ in range(5)}
    for n in names:
        mgmt.vaults.begin_create_or_update(group, n, create_body()).result()
    pages = [list(page) for page in mgmt.vaults.list_by_resource_group(group, top=2).by_page()]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert {v.name for page in pages for v in page} == names
    # vaults.list follows nextLink too (azure-mgmt-keyvault 14.0.1 fixed its api-version handling there).
    listed = [v.name for page in mgmt.vaults.list(top=2).by_page() for v in page]
    assert names <= set(listed) and len(listed) == len(set(listed))
    for n in names:
        mgmt.vaults.delete(group, n)


def test_private_links_and_arm_object_versions(mgmt):
    group, name = 'rg-python-links', vault_name()
    mgmt.vaults.begin_create_or_update(group, name, create_body()).result()
    assert [r.name for r in mgmt.private_link_resources.list_by_vault(group, name).value] == ['vault']
    assert list(mgmt.private_endpoint_connections.list_by_resource(group, name)) == []
    mgmt.private_endpoint_connections.put(group, name, 'conn1', {'properties': {
        'privateLinkServiceConnectionState': {'status': 'Approved', 'description': 'ok'}}})
    got = mgmt.private_endpoint_connections.get(group, name, 'conn1')
    assert got.properties.private_link_service_connection_state.status == 'Approved'
    mgmt.private_endpoint_connections.begin_delete(group, name, 'conn1').result()
    assert list(mgmt.private_endpoint_connections.list_by_resource(group, name)) == []

    key = mgmt.keys.create_if_not_exist(group, name, 'k1', {'properties': {'kty': 'EC', 'curveName': 'P-384'}})
    version = key.properties.key_uri_with_version.rsplit('/', 1)[1]
    assert [v.name for v in mgmt.keys.list_versions(group, name, 'k1')] == [version]
    assert mgmt.keys.get_version(group, name, 'k1', version).properties.curve_name == 'P-384'

    mgmt.secrets.create_or_update(group, name, 's1', {'properties': {'value': 'v', 'contentType': 'text/plain'}})
    updated = mgmt.secrets.update(group, name, 's1', {'tags': {'a': 'b'}, 'properties': {'contentType': 'application/json'}})
    assert updated.properties.content_type == 'application/json' and updated.tags == {'a': 'b'}
    with pytest.raises(ResourceNotFoundError):
        mgmt.secrets.update(group, name, 'absent', {'properties': {'contentType': 'x'}})
    mgmt.vaults.delete(group, name)
