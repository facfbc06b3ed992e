#!/usr/bin/env bash
# approve or reject, in the approval job (an environment with required reviewers): the reviewer
# is the actor GitHub authenticated, never an input.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
decision=${1:?approve or reject}
bundle=${AGENT_SANDBOX_BUNDLE:?the bundle folder (download the artifact first)}
args=("$decision" --run "$bundle" --by "${GITHUB_ACTOR:?}" --comment "${DECISION_COMMENT:-}")
[ -z "${SIGNING_KEY_FILE:-}" ] || args+=(--signing-key "$SIGNING_KEY_FILE")
[ -z "${PUBLIC_KEY_FILE:-}" ] || args+=(--key "$PUBLIC_KEY_FILE")
"$cli" "${args[@]}"
