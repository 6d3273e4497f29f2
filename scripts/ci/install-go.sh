#!/usr/bin/env bash
# Installs what the Go suite (test/lang/go, run by test/e2e/lang.go.test.ts) needs: the modules pinned in its
# go.mod/go.sum, fetched from the Go module proxy into the default module cache, and a warm build cache so the
# first `go test` is quick. Idempotent; quick when everything is already there. Run from the repository root.
set -euo pipefail

cd "$(dirname "$0")/../.."

if ! command -v go >/dev/null 2>&1; then
  echo "install-go.sh: no 'go' on PATH; this suite needs Go >= 1.26 (go.mod says so)" >&2
  exit 1
fi
echo "install-go.sh: $(go version)"

cd test/lang/go
# Debian's golang-go (1.19, which .ci/run installs for the track 1 recipe) may shadow a current Go on PATH.
need="$(sed -n 's/^go \([0-9]*\.[0-9]*\).*/\1/p' go.mod)"
have="$(go env GOVERSION | sed 's/^go\([0-9]*\.[0-9]*\).*/\1/')"
if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
  echo "install-go.sh: 'go' on PATH is go$have; test/lang/go needs go$need or later first on PATH" >&2
  exit 1
fi

export GOTOOLCHAIN=local GOFLAGS=-mod=readonly

# Already installed: every module resolves from the cache without the network.
if GOPROXY=off go list -test -deps ./... >/dev/null 2>&1; then
  echo "install-go.sh: modules already in $(go env GOMODCACHE)"
else
  go mod download
  go mod verify
fi

# Compile the test binary once (and throw it away): this fills the build cache for the wrapper's `go test`.
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
go test -c -o "$out/kvtest.test" .
go vet ./...
echo "install-go.sh: test/lang/go builds"
