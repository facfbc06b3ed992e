#!/usr/bin/env bash
# The merge job: lands the approved commit only (the CLI refuses anything else) and pushes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bundle=${AGENT_SANDBOX_BUNDLE:?the bundle folder}
args=(merge --run "$bundle" --repo "${GITHUB_WORKSPACE:-$PWD}" --remote "${MERGE_REMOTE:-origin}")
key=${PUBLIC_KEY_FILE:-${AGENT_SANDBOX_PUBLIC_KEY:-}}
if [ -z "$key" ]; then
  echo "::error::agent-sandbox: set PUBLIC_KEY_FILE to the public key of the signing key: merge pins it (a key read from the bundle proves nothing)" >&2
  exit 4
fi
args+=(--key "$key")
[ -z "${SIGNING_KEY_FILE:-}" ] || args+=(--signing-key "$SIGNING_KEY_FILE")
"$cli" "${args[@]}"
