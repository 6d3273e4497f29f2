#!/usr/bin/env bash
# Installs the current Azure CLI from PyPI into a venv of its own (.lang/cli-venv), for the CLI suite
# (test/e2e/lang.cli.test.ts). Idempotent: quick when the pinned version is already there. Run from the repo root.
set -euo pipefail

venv=.lang/cli-venv
req=test/lang/cli/requirements.txt
want=$(sed -n 's/^azure-cli==//p' "$req")

if [ -x "$venv/bin/az" ] && [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("azure-cli"))' 2>/dev/null)" = "$want" ]; then
  echo "azure-cli $want already in $venv"
  exit 0
fi

python=${PYTHON:-python3}
mkdir -p .lang
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
# A known pip: the one a fresh venv brings depends on the Python that made it.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check pip==26.3
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
# A throwaway config dir: the check must not leave state in ~/.azure.
cfg=$(mktemp -d)
AZURE_CONFIG_DIR=$cfg AZURE_CORE_COLLECT_TELEMETRY=false "$venv/bin/az" version --output none
rm -rf "$cfg"
echo "azure-cli $want installed in $venv"
