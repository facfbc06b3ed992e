#!/usr/bin/env bash
# A run asked for in an issue or pull-request comment (`/agent-sandbox <task>`) or by a label.
#   trigger.sh decide   reads the event through the REST API (agent-sandbox trigger github): outputs
#                       decision (run, refuse, skip), task-file and trigger; a refusal is answered in
#                       the thread. The comment's text never passes through ${{ }} or the environment.
#   trigger.sh result   answers in the thread with the run's verdict and where to review it.
# Needs AGENT_SANDBOX_JAR (jar.sh), GITHUB_TOKEN with issues: write, and jq (on GitHub's runners).
#   INPUT_UNTRUSTED     drop (default) or mark: text by people without write access around a request
#   INPUT_COMMAND_WORD  what a comment starts with (default /agent-sandbox)
set -euo pipefail
out="${RUNNER_TEMP:-/tmp}/agent-sandbox-trigger"
api="${GITHUB_API_URL:-https://api.github.com}"

reply() { # reply FILE: a comment in the thread the event is on
  local issue
  issue=$(cat "$out/issue")
  [ "$issue" != 0 ] || return 0
  jq -n --rawfile body "$1" '{body: $body}' | curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $GITHUB_TOKEN" \
    -H "Accept: application/vnd.github+json" -H "X-GitHub-Api-Version: 2022-11-28" \
    "$api/repos/$GITHUB_REPOSITORY/issues/$issue/comments" --data-binary @- \
    || echo "::warning::agent-sandbox: could not answer in issue #$issue"
}

case "${1:-}" in
  decide)
    args=(trigger github --event "$GITHUB_EVENT_PATH" --out "$out")
    [ -z "${INPUT_UNTRUSTED:-}" ] || args+=(--untrusted "$INPUT_UNTRUSTED")
    [ -z "${INPUT_COMMAND_WORD:-}" ] || args+=(--command-word "$INPUT_COMMAND_WORD")
    java -jar "$AGENT_SANDBOX_JAR" "${args[@]}"
    decision=$(cat "$out/decision")
    echo "decision=$decision" >>"$GITHUB_OUTPUT"
    case "$decision" in
      run) { echo "task-file=$out/task.md"; echo "trigger=$out/trigger.json"; } >>"$GITHUB_OUTPUT" ;;
      refuse) reply "$out/reply.md" ;;
    esac
    ;;
  result)
    [ -f "$out/trigger.json" ] || exit 0
    author=$(jq -r .author "$out/trigger.json")
    {
      printf 'agent-sandbox ran the task @%s asked for: verdict **%s**' "$author" "${VERDICT:-error}"
      [ -z "${HEAD_COMMIT:-}" ] || printf ', commit `%s` on `%s`' "$HEAD_COMMIT" "$BRANCH"
      printf '.\n\nReview it and decide in the workflow run: %s/%s/actions/runs/%s\n' "${GITHUB_SERVER_URL:-https://github.com}" \
        "$GITHUB_REPOSITORY" "$GITHUB_RUN_ID"
      printf '\n@%s asked for this run and may not approve it themselves unless the configuration allows it.\n' "$author"
    } >"$out/result.md"
    reply "$out/result.md"
    ;;
  *) echo "usage: trigger.sh decide|result" >&2; exit 2 ;;
esac
