#!/usr/bin/env bash
# Tools the tests use from the npm registry, installed into a cache folder (idempotent).
# gitlab-ci-local 4.60 is the newest that runs on Node 20 (later ones need Set.prototype.union).
set -euo pipefail
dir="${AGENT_SANDBOX_CACHE:-/var/cache/agent-sandbox}/npm"
want=4.60.0
bin="$dir/node_modules/.bin/gitlab-ci-local"
if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null | tail -n1)" = "$want" ]; then exit 0; fi
mkdir -p "$dir"
(cd "$dir" && npm install --no-audit --no-fund --silent "gitlab-ci-local@$want" >/dev/null)
echo "[setup-host] installed gitlab-ci-local $want in $dir" >&2
