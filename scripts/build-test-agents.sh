#!/usr/bin/env bash
# A real agent CLI for the tests: Claude Code from the npm registry, in an image built locally on
# the test base (no container registry). Idempotent: does nothing when the image is there.
set -euo pipefail
version=2.1.197
image=agent-sandbox/claude-code:test
docker image inspect "$image" >/dev/null 2>&1 && exit 0
dir="${AGENT_SANDBOX_CACHE:-/var/cache/agent-sandbox}/claude-code"
bin="$dir/node_modules/@anthropic-ai/claude-code-linux-x64/claude"
if [ ! -x "$bin" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-audit --no-fund --silent "@anthropic-ai/claude-code@$version" >/dev/null)
fi
ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
cp "$bin" "$ctx/claude"
printf 'FROM %s\nCOPY claude /usr/local/bin/claude\nENV DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1\n' \
  "${AGENT_SANDBOX_TEST_IMAGE:-agent-sandbox/test-base:bookworm}" >"$ctx/Dockerfile"
docker build -q -t "$image" "$ctx" >/dev/null 2>&1
echo "[setup-host] built $image (Claude Code $version)" >&2
