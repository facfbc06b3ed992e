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
