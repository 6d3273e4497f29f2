#!/usr/bin/env bash
# Installs the Python suite's toolchain: a venv at .lang/python-venv (made with the machine's python3, 3.8 or newer)
# holding the pinned packages of test/lang/python/requirements.txt. Run from the repository root. Idempotent: when
# the venv already holds exactly this requirements file (its hash is stamped in the venv), it does nothing.
set -euo pipefail

VENV=.lang/python-venv
REQS=test/lang/python/requirements.txt
STAMP="$VENV/.requirements.sha256"

if [ ! -f "$REQS" ]; then
  echo "install-python.sh: run it from the repository root ($REQS not found)" >&2
  exit 1
fi

PYTHON=${PYTHON:-python3}
if ! command -v "$PYTHON" >/dev/null 2>&1 || ! "$PYTHON" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  # A fresh Debian machine: python3 without venv/ensurepip until python3-venv is installed.
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
    PYTHON=python3
  else
    echo "install-python.sh: $PYTHON with the venv module is required" >&2
    exit 1
  fi
fi
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else "python 3.8 or newer is required")'

want=$(sha256sum "$REQS" | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "install-python.sh: $VENV is up to date"
  exit 0
fi

rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$REQS"
# Fail here, not in the suite, if the legacy client and the current SDK do not import side by side.
"$VENV/bin/python" -c 'from azure.keyvault import KeyVaultClient; import azure.keyvault.secrets, azure.keyvault.keys, azure.keyvault.certificates, azure.keyvault.administration, azure.mgmt.keyvault, azure.identity, aiohttp, cryptography, pytest'
echo "$want" > "$STAMP"
echo "install-python.sh: installed $VENV ($("$VENV/bin/python" --version))"
