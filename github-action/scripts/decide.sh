#!/usr/bin/env bash
# approve or reject, in the approval job (an environment with required reviewers). The approver is
# the reviewer who approved the job's environment, read from the REST API (never an input, and not
# $GITHUB_ACTOR, who only started the workflow); the CLI refuses them when they requested the run.
#   APPROVAL_ENVIRONMENT  the job's environment (default agent-approval)
#   AGENT_SANDBOX_APPROVER=actor  record $GITHUB_ACTOR instead (a job with no environment; not recommended)
# Outputs: approvals, required, quorum-met (true/false): where the run's quorum stands after an approval.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
decision=${1:?approve or reject}
bundle=${AGENT_SANDBOX_BUNDLE:?the bundle folder (download the artifact first)}
key=${PUBLIC_KEY_FILE:-${AGENT_SANDBOX_PUBLIC_KEY:-}}
if [ -z "$key" ]; then
  echo "::error::agent-sandbox: set PUBLIC_KEY_FILE to the public key of the signing key: approve or reject pins it (a key read from the bundle proves nothing)" >&2
  exit 4
fi
by=${GITHUB_ACTOR:?}
comment=${DECISION_COMMENT:-}
if [ "$decision" = approve ] && [ "${AGENT_SANDBOX_APPROVER:-environment}" != actor ]; then
  if ! found=$(reviewer "${APPROVAL_ENVIRONMENT:-agent-approval}"); then
    echo "::error::agent-sandbox: cannot tell who approved: $found" >&2
    exit 4
  fi
  by=${found%%$'\t'*}
  reviewed=${found#*$'\t'}
  [ -n "$comment" ] || comment=$reviewed
fi
args=("$decision" --run "$bundle" --by "$by" --comment "$comment" --key "$key")
[ -z "${SIGNING_KEY_FILE:-}" ] || args+=(--signing-key "$SIGNING_KEY_FILE")
said=$("$cli" "${args[@]}")
printf '%s\n' "$said"
# Where the quorum stands ("...; 1 of 2 approval(s) for a high change"): a later job asks the next reviewer.
if [ "$decision" = approve ]; then
  counts=$(printf '%s\n' "$said" | sed -n 's/.*; \([0-9][0-9]*\) of \([0-9][0-9]*\) approval(s) .*/\1 \2/p' | tail -n1)
  if [ -n "$counts" ]; then
    output approvals "${counts% *}"
    output required "${counts#* }"
    if [ "${counts% *}" -ge "${counts#* }" ]; then output quorum-met true; else output quorum-met false; fi
  fi
fi
