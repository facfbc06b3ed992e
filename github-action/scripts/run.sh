#!/usr/bin/env bash
# The action's run step: inputs arrive as INPUT_* variables (never interpolated into this script),
# the CLI runs, and run.json becomes step outputs, the job summary, and AGENT_SANDBOX_BUNDLE.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

case "${INPUT_DELIVERY:-push}" in
  push | pull-request) output delivery "${INPUT_DELIVERY:-push}" ;;
  *) echo "::error::agent-sandbox: delivery '${INPUT_DELIVERY}' is neither push nor pull-request"; exit 2 ;;
esac
bundle=${INPUT_BUNDLE:-agent-sandbox-run}
case "$bundle" in /*) ;; *) bundle="${GITHUB_WORKSPACE:-$PWD}/$bundle" ;; esac
args=(run --repo "${GITHUB_WORKSPACE:-$PWD}" --bundle "$bundle")
if [ -n "${INPUT_TASK_FILE:-}" ]; then args+=(--task-file "$INPUT_TASK_FILE")
elif [ -n "${INPUT_TASK:-}" ]; then args+=(--task "$INPUT_TASK")
else echo "::error::agent-sandbox: give the task (input task or task-file)"; exit 2
fi
[ -z "${INPUT_TRIGGER:-}" ] || args+=(--trigger "$INPUT_TRIGGER")
[ -z "${INPUT_IMAGE:-}" ] || args+=(--image "$INPUT_IMAGE")
[ -z "${INPUT_COMMAND:-}" ] || args+=(--command "$INPUT_COMMAND")
[ -z "${INPUT_CONFIG:-}" ] || args+=(--config "$INPUT_CONFIG")
[ -z "${INPUT_TIER:-}" ] || args+=(--tier "$INPUT_TIER")
[ -z "${INPUT_RUNTIME:-}" ] || args+=(--runtime "$INPUT_RUNTIME")
[ -z "${INPUT_BASE:-}" ] || args+=(--base "$INPUT_BASE")
[ -z "${INPUT_MODEL_PROVIDER:-}" ] || args+=(--model-provider "$INPUT_MODEL_PROVIDER")
[ -z "${INPUT_MODEL_URL:-}" ] || args+=(--model-url "$INPUT_MODEL_URL")
[ -z "${INPUT_MODEL_REGION:-}" ] || args+=(--model-region "$INPUT_MODEL_REGION")
[ -z "${INPUT_MODEL_ROLE_ARN:-}" ] || args+=(--model-role-arn "$INPUT_MODEL_ROLE_ARN")
[ -z "${INPUT_MODEL_PROJECT:-}" ] || args+=(--model-project "$INPUT_MODEL_PROJECT")
[ -z "${INPUT_MODEL_WIF_PROVIDER:-}" ] || args+=(--model-workload-identity-provider "$INPUT_MODEL_WIF_PROVIDER")
[ -z "${INPUT_MODEL_SERVICE_ACCOUNT:-}" ] || args+=(--model-service-account "$INPUT_MODEL_SERVICE_ACCOUNT")
[ -z "${INPUT_MODEL_TENANT_ID:-}" ] || args+=(--model-tenant-id "$INPUT_MODEL_TENANT_ID")
[ -z "${INPUT_MODEL_CLIENT_ID:-}" ] || args+=(--model-client-id "$INPUT_MODEL_CLIENT_ID")
[ -z "${INPUT_API_KEY_SECRET_NAME:-}" ] || args+=(--model-key-env "$INPUT_API_KEY_SECRET_NAME")
[ -z "${INPUT_SIGNING_KEY_FILE:-}" ] || args+=(--signing-key "$INPUT_SIGNING_KEY_FILE")
[ -z "${INPUT_PUSH:-}" ] || args+=(--push "$INPUT_PUSH")

set +e
"$cli" "${args[@]}"
code=$?
set -e

output exit-code "$code" # also when the run stopped before its record began (a refused host, a bad option)
if [ -f "$bundle/run.json" ]; then
  output run-id "$(json "$bundle/run.json" runId)"
  output branch "$(json "$bundle/run.json" featureBranch)"
  output head-commit "$(json "$bundle/run.json" headCommit)"
  output verdict "$(json "$bundle/run.json" verdict)"
  output bundle "$bundle"
  output sarif "$bundle/reports/results.sarif"
  [ ! -f "$bundle/reports/summary.md" ] || cat "$bundle/reports/summary.md" >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
  printf 'AGENT_SANDBOX_BUNDLE=%s\n' "$bundle" >>"${GITHUB_ENV:-/dev/null}"
fi
case "$code" in
  0) ;;
  1) echo "::error::agent-sandbox: the gates failed (see the job summary and the SARIF report)" ;;
  2) echo "::error::agent-sandbox: usage or configuration error" ;;
  5) echo "::warning::agent-sandbox: the agent changed nothing; there is nothing to review (exit 5)" ;;
  *) echo "::error::agent-sandbox: sandbox or infrastructure error (exit $code)" ;;
esac
exit "$code"
