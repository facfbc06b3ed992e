#!/usr/bin/env bash
# How an approved run reaches the base branch, as the action's `delivery` input says:
#   push          (default) `deliver.sh merge` lands exactly the approved commit and pushes it (merge.sh)
#   pull-request  for protected branches: `deliver.sh open`, in a job before the approval, pushes the
#                 feature branch and opens the pull request (output: number), so that reviewers review it
#                 there; `deliver.sh merge`, after the approval, merges it through GitHub (pr merge):
#                 the bundle's approvals and the pull request's reviews of the run's commit count toward
#                 the run's quorum, and GitHub's branch protection still applies.
#   AGENT_SANDBOX_DELIVERY  push or pull-request (the agent job's `delivery` output)
#   PR_NUMBER               the pull request (merge, with pull-request: the deliver job's `number` output)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
what=${1:?open or merge}
bundle=${AGENT_SANDBOX_BUNDLE:?the bundle folder (download the artifact first)}
delivery=${AGENT_SANDBOX_DELIVERY:-push}
case "$delivery" in
  push | pull-request) ;;
  *) echo "::error::agent-sandbox: delivery '$delivery' is neither push nor pull-request"; exit 2 ;;
esac
key=${PUBLIC_KEY_FILE:-${AGENT_SANDBOX_PUBLIC_KEY:-}}
if [ -z "$key" ]; then
  echo "::error::agent-sandbox: set PUBLIC_KEY_FILE to the public key of the signing key: delivery pins it (a key read from the bundle proves nothing)" >&2
  exit 4
fi
case "$what/$delivery" in
  open/push) echo "agent-sandbox: delivery is push: nothing to open" ;;
  merge/push) exec "$(dirname "$0")/merge.sh" ;;
  open/pull-request)
    said=$("$cli" pr open --run "$bundle" --forge github --key "$key" --repo "${GITHUB_WORKSPACE:-$PWD}" --remote "${MERGE_REMOTE:-origin}")
    printf '%s\n' "$said"
    output number "$(printf '%s\n' "$said" | sed -n 's/^number=//p' | tail -n1)"
    ;;
  merge/pull-request)
    [ -n "${PR_NUMBER:-}" ] || { echo "::error::agent-sandbox: PR_NUMBER is empty: the deliver job opened no pull request"; exit 2; }
    args=(pr merge --run "$bundle" --forge github --key "$key" --number "$PR_NUMBER")
    [ -z "${SIGNING_KEY_FILE:-}" ] || args+=(--signing-key "$SIGNING_KEY_FILE")
    "$cli" "${args[@]}"
    ;;
  *) echo "::error::agent-sandbox: deliver.sh takes open or merge, not '$what'"; exit 2 ;;
esac
