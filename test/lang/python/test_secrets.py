"""azure-keyvault-secrets against Kyanite: the whole lifecycle, paging and versions."""
from datetime import datetime, timedelta, timezone

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.secrets import SecretClient


def test_set_get_update_and_versions(secret_client, name):
    n = name('sec')
    first = secret_client.set_secret(n, 'v1', content_type='text/plain', tags={'env': 'test'})
    assert first.value == 'v1'
    assert first.properties.content_type == 'text/plain'
    assert first.properties.tags == {'env': 'test'}
    assert first.properties.vault_url.rstrip('/') == secret_client.vault_url.rstrip('/')
    second = secret_client.set_secret(n, 'v2')
    assert second.properties.version != first.properties.version

    assert secret_client.get_secret(n).value == 'v2'
    assert secret_client.get_secret(n, first.properties.version).value == 'v1'

    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=30)
    updated = secret_client.update_secret_properties(n, first.properties.version, content_type='application/json',
                                                     enabled=False, expires_on=expires, tags={'k': 'v'})
    assert updated.content_type == 'application/json'
    assert updated.enabled is False
    assert updated.expires_on == expires
    assert updated.tags == {'k': 'v'}
    # A disabled version cannot be read, as in Key Vault (403 Forbidden, innererror SecretDisabled).
    with pytest.raises(HttpResponseError) as refused:
        secret_client.get_secret(n, first.properties.version)
    assert refused.value.status_code == 403

    versions = {p.version: p for p in secret_client.list_properties_of_secret_versions(n)}
    assert set(versions) == {first.properties.version, second.properties.version}
    assert versions[first.properties.version].enabled is False
    assert versions[second.properties.version].enabled is True


def test_missing_secret_is_resource_not_found(secret_client, name):
    with pytest.raises(ResourceNotFoundError) as missing:
        secret_client.get_secret(name('missing'))
    assert missing.value.status_code == 404
    assert missing.value.error.code == 'SecretNotFound'


def test_bad_name_is_a_400_with_key_vault_error_body(secret_client):
    with pytest.raises(HttpResponseError) as bad:
        secret_client.set_secret('not_a_valid_name!', 'x')
    assert bad.value.status_code == 400
    assert bad.value.error.code == 'BadParameter'


def test_paging_lists_every_secret_and_version(secret_client, name):
    prefix = name('page')
    names = {f'{prefix}-{i}' for i in range(7)}
    for n in names:
        secret_client.set_secret(n, 'x')
    pages = list(secret_client.list_properties_of_secrets(max_page_size=3).by_page())
    assert len(pages) >= 3  # nextLink was followed, with the client's own api-version
    listed = [p.name for page in pages for p in page]
    assert names <= set(listed)
    assert len(listed) == len(set(listed))  # no item twice across pages

    many = name('versions')
    made = {secret_client.set_secret(many, f'value-{i}').properties.version for i in range(5)}
    version_pages = list(secret_client.list_properties_of_secret_versions(many, max_page_size=2).by_page())
    assert len(version_pages) >= 3
    assert {p.version for page in version_pages for p in page} == made


def test_delete_recover_purge(secret_client, name):
    n = name('del')
    secret_client.set_secret(n, 'keep me')
    deleted = secret_client.begin_delete_secret(n).result()
    assert deleted.name == n
    assert deleted.recovery_id and deleted.deleted_date and deleted.scheduled_purge_date
    assert secret_client.get_deleted_secret(n).name == n
    assert n in {d.name for d in secret_client.list_deleted_secrets()}
    with pytest.raises(ResourceNotFoundError):
        secret_client.get_secret(n)
    # A deleted name cannot be set again until it is recovered or purged.
    with pytest.raises(ResourceExistsError):
        secret_client.set_secret(n, 'again')

    recovered = secret_client.begin_recover_deleted_secret(n).result()
    assert recovered.name == n
    assert secret_client.get_secret(n).value == 'keep me'

    secret_client.begin_delete_secret(n).wait()
    secret_client.purge_deleted_secret(n)
    with pytest.raises(ResourceNotFoundError):
        secret_client.get_deleted_secret(n)
    assert secret_client.set_secret(n, 'fresh').value == 'fresh'


def test_backup_and_restore(secret_client, name):
    n = name('bak')
    secret_client.set_secret(n, 'one')
    secret_client.set_secret(n, 'two')
    blob = secret_client.backup_secret(n)
    assert isinstance(blob, bytes) and len(blob) > 0
    secret_client.begin_delete_secret(n).wait()
    secret_client.purge_deleted_secret(n)
    restored = secret_client.restore_secret_backup(blob)
    assert restored.name == n
    assert secret_client.get_secret(n).value == 'two'
    assert len(list(secret_client.list_properties_of_secret_versions(n))) == 2


def test_default_vault_on_localhost_needs_only_verify_challenge_resource_false(kyanite_url, credential, name):
    client = SecretClient(kyanite_url, credential, verify_challenge_resource=False)
    n = name('local')
    client.set_secret(n, 'on the default vault')
    assert client.get_secret(n).value == 'on the default vault'
    assert client.get_secret(n).id.startswith(kyanite_url + '/secrets/')


def test_names_are_case_insensitive_and_values_keep_unicode(secret_client, name):
    n = name('Mixed-Case')
    secret_client.set_secret(n, 'héllo ✓ 🔑')
    got = secret_client.get_secret(n.lower())
    assert got.value == 'héllo ✓ 🔑'
    assert got.name == n  # the name as it was first set


def test_more_than_fifteen_tags_is_a_400(secret_client, name):
    with pytest.raises(HttpResponseError) as bad:
        secret_client.set_secret(name('tags'), 'x', tags={f't{i}': 'v' for i in range(16)})
    assert bad.value.status_code == 400 and bad.value.error.code == 'BadParameter'


def test_default_vault_under_its_vault_host_name(kyanite_url, credential, name):
    # default.vault.localhost serves the same vault as localhost, with challenge verification on.
    port = kyanite_url.rsplit(':', 1)[1]
    named = SecretClient(f'https://default.vault.localhost:{port}', credential)
    on_localhost = SecretClient(kyanite_url, credential, verify_challenge_resource=False)
    n = name('both')
    named.set_secret(n, 'one vault, two names')
    assert on_localhost.get_secret(n).value == 'one vault, two names'
