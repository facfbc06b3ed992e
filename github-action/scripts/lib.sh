# Shared by the action's scripts: the CLI, reading run.json, and GitHub's file conventions.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cli=${AGENT_SANDBOX_CLI:-$here/../../bin/agent-sandbox}

# json FILE KEY: a top-level string field of a JSON file ("" when null or missing).
json() {
  python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

# output NAME VALUE: one step output, with the heredoc form so that any value is safe.
output() {
  local delim
  delim="ghadelim_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  { printf '%s<<%s\n' "$1" "$delim"; printf '%s\n' "$2"; printf '%s\n' "$delim"; } >>"${GITHUB_OUTPUT:-/dev/null}"
}

# reviewer ENVIRONMENT: who approved this run's deployment to ENVIRONMENT, from the REST API's review
# history of the run (GET /repos/{owner}/{repo}/actions/runs/{run_id}/approvals; needs `actions: read`
# and GITHUB_TOKEN). Prints the login, a tab and their comment, of the latest approval; fails when
# there is none. $GITHUB_ACTOR is who started the workflow, not who approved it.
reviewer() {
  local env_name=$1 api=${GITHUB_API_URL:-https://api.github.com} body
  [ -n "${GITHUB_TOKEN:-}" ] || { echo "GITHUB_TOKEN is not set (the approve step needs it, with the job's permission actions: read)"; return 1; }
  body=$(curl -fsS --retry 3 --connect-timeout 20 -H "Authorization: Bearer $GITHUB_TOKEN" -H "Accept: application/vnd.github+json" \
    -H "X-GitHub-Api-Version: 2022-11-28" "$api/repos/${GITHUB_REPOSITORY:?}/actions/runs/${GITHUB_RUN_ID:?}/approvals" 2>&1) \
    || { echo "cannot read the run's approvals from $api: ${body:0:200}"; return 1; }
  printf '%s' "$body" | python3 -c '
import json, sys
env = sys.argv[1]
try:
    history = json.load(sys.stdin)
except ValueError:
    print("the approvals answer is not JSON"); sys.exit(1)
if not isinstance(history, list):
    print("the approvals answer is not a list"); sys.exit(1)
approved = [r for r in history if isinstance(r, dict) and r.get("state") == "approved"
            and any(isinstance(e, dict) and e.get("name") == env for e in r.get("environments") or [])]
if not approved:
    print("no one approved this run'"'"'s deployment to the environment " + env + " (is the job in that environment, with required reviewers?)"); sys.exit(1)
login = (approved[-1].get("user") or {}).get("login") or ""
if not login or any(c in login for c in "\t\r\n"):
    print("the approval names no reviewer"); sys.exit(1)
comment = " ".join((approved[-1].get("comment") or "").split())
print(login + "\t" + comment)
' "$env_name"
}
