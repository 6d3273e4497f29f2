"""The Python recipe (docs/recipes-python.md) run from the doc's text: its code blocks execute unchanged, with
the doc's port 8443 replaced by this Kyanite's and KEYVAULT_URL set as the recipe's `export` line sets it."""
import pathlib
import re
import urllib.parse

RECIPE = pathlib.Path(__file__).resolve().parents[3] / 'docs' / 'recipes-python.md'


def blocks():
    return re.findall(r'```python\n(.*?)```', RECIPE.read_text(), re.S)


def on_this_port(code: str, kyanite_url: str) -> str:
    port = urllib.parse.urlsplit(kyanite_url).port
    return code.replace(':8443', f':{port}')


def test_recipe_secret_client(monkeypatch, vault_url, kyanite_url, capsys):
    code = blocks()[0]
    assert 'SecretClient(os.environ["KEYVAULT_URL"], DefaultAzureCredential())' in code
    monkeypatch.setenv('KEYVAULT_URL', vault_url)  # export KEYVAULT_URL=https://myvault.vault.localhost:8443
    exec(compile(on_this_port(code, kyanite_url), 'recipes-python.md#secrets', 'exec'), {})
    assert capsys.readouterr().out == 'hello\n'


def test_recipe_management_client(kyanite_url, capsys):
    code = blocks()[1]
    assert 'base_url="https://localhost:8443"' in code
    exec(compile(on_this_port(code, kyanite_url), 'recipes-python.md#management', 'exec'), {})
    port = urllib.parse.urlsplit(kyanite_url).port
    assert capsys.readouterr().out == f'https://myvault2.vault.localhost:{port}/\n'


def test_readme_shows_the_recipe_block():
    """The README's Python recipe is this page's first block, word for word (so the README shows what runs here)."""
    readme = RECIPE.parents[1] / 'README.md'
    shown = re.search(r'<!-- snippet:python-secrets[^>]*-->\n```python\n(.*?)```', readme.read_text(), re.S)
    assert shown is not None, 'README.md has no python-secrets snippet'
    assert shown.group(1) == blocks()[0]
