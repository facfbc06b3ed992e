#!/usr/bin/env bash
# The merge job: lands the approved commit only (the CLI refuses anything else) and pushes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bundle=${AGENT_SANDBOX_BUNDLE:?the bundle folder}
args=(merge --run "$bundle" --repo "${GITHUB_WORKSPACE:-$PWD}" --remote "${MERGE_REMOTE:-origin}")
[ -z "${PUBLIC_KEY_FILE:-}" ] || args+=(--key "$PUBLIC_KEY_FILE")
[ -z "${SIGNING_KEY_FILE:-}" ] || args+=(--signing-key "$SIGNING_KEY_FILE")
"$cli" "${args[@]}"
