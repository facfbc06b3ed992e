#!/usr/bin/env bash
# The action's jar step: the CLI reaches the job without a Maven build when it can.
#   INPUT_JAR         a jar already on the runner (one build per workflow, passed on as an artifact)
#   INPUT_JAR_URL     a released jar to download; INPUT_JAR_SHA256 is then required
#   INPUT_JAR_SHA256  the jar's SHA-256 (checked for either; a mismatch stops the job)
# Neither: the jar is built from the action's checkout (needs Java 17 and Maven; about a minute).
# The chosen jar is handed to the later steps as AGENT_SANDBOX_JAR.
set -euo pipefail

fail() { echo "::error::agent-sandbox: $*"; exit 2; }

check() {
  [ -n "${INPUT_JAR_SHA256:-}" ] || return 0
  local want actual
  want=$(printf '%s' "$INPUT_JAR_SHA256" | tr 'A-F' 'a-f')
  [[ "$want" =~ ^[0-9a-f]{64}$ ]] || fail "jar-sha256 is not a SHA-256 (64 hex digits)"
  actual=$(sha256sum "$1" | awk '{print $1}')
  if [ "$actual" != "$want" ]; then
    [ "${3:-}" != downloaded ] || rm -f "$1"
    fail "$2 has SHA-256 $actual, not the jar-sha256 given ($want): not using it"
  fi
}

if [ -n "${INPUT_JAR:-}" ] && [ -n "${INPUT_JAR_URL:-}" ]; then
  fail "give jar or jar-url, not both"
fi
if [ -n "${INPUT_JAR:-}" ]; then
  [ -f "$INPUT_JAR" ] || fail "jar $INPUT_JAR does not exist (did the artifact download into another folder?)"
  jar=$(cd "$(dirname "$INPUT_JAR")" && pwd)/$(basename "$INPUT_JAR")
  check "$jar" "jar $INPUT_JAR"
elif [ -n "${INPUT_JAR_URL:-}" ]; then
  [ -n "${INPUT_JAR_SHA256:-}" ] || fail "jar-url needs jar-sha256: a downloaded jar is never run unchecked"
  case "$INPUT_JAR_URL" in https://* | http://127.0.0.1:* | http://localhost:*) ;; *) fail "jar-url must be https" ;; esac
  jar="${RUNNER_TEMP:-/tmp}/agent-sandbox-$$.jar"
  curl -fsSL --retry 3 --connect-timeout 20 -o "$jar" "$INPUT_JAR_URL" || fail "cannot download $INPUT_JAR_URL"
  check "$jar" "the jar downloaded from $INPUT_JAR_URL" downloaded
else
  root="$(cd "$(dirname "$0")/../.." && pwd)"
  jar="$root/target/agent-sandbox.jar"
  if [ ! -f "$jar" ]; then
    command -v mvn >/dev/null || fail "no jar given and no Maven to build one: set jar (a build job's artifact) or jar-url with jar-sha256"
    (cd "$root" && mvn -q -B -ntp package -DskipTests) || fail "building the jar failed"
  fi
fi
echo "AGENT_SANDBOX_JAR=$jar" >>"${GITHUB_ENV:-/dev/null}"
echo "agent-sandbox: using $jar"
