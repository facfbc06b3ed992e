#!/usr/bin/env bash
# approve or reject, in the approval job (an environment with required reviewers): the reviewer
# is the actor GitHub authenticated, never an input.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
decision=${1:?approve or reject}
bundle=${AGENT_SANDBOX_BUNDLE:?the bundle folder (download the artifact first)}
args=("$decision" --run "$bundle" --by "${GITHUB_ACTOR:?}" --comment "${DECISION_COMMENT:-}")
[ -z "${SIGNING_KEY_FILE:-}" ] || args+=(--signing-key "$SIGNING_KEY_FILE")
key=${PUBLIC_KEY_FILE:-${AGENT_SANDBOX_PUBLIC_KEY:-}}
if [ -z "$key" ]; then
  echo "::error::agent-sandbox: set PUBLIC_KEY_FILE to the public key of the signing key: approve or reject pins it (a key read from the bundle proves nothing)" >&2
  exit 4
fi
args+=(--key "$key")
"$cli" "${args[@]}"
