#!/usr/bin/env bash
# The assets of a release, as .github/workflows/release.yml publishes them for a tag vX.Y.Z:
#   agent-sandbox.jar          the CLI (built with the version set to X.Y.Z)
#   agent-sandbox.jar.sha256   its SHA-256, in sha256sum's format: the guides check it before any use
#   agent-sandbox              the launcher (finds the jar beside its own real path; the jar carries it too)
#   install-cli.sh             installs a release on a runner host (no root needed for a prefix of the user's)
# Usage: scripts/release.sh X.Y.Z OUTDIR   (AGENT_SANDBOX_RELEASE_JAR=FILE: use a jar built already)
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?the version, X.Y.Z}
out=${2:?the folder for the assets}
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "release: '$version' is not X.Y.Z" >&2; exit 2; }
mkdir -p "$out"
if [ -n "${AGENT_SANDBOX_RELEASE_JAR:-}" ]; then
  cp "$AGENT_SANDBOX_RELEASE_JAR" "$out/agent-sandbox.jar"
else
  mvn -B -ntp -q org.codehaus.mojo:versions-maven-plugin:2.19.1:set -DnewVersion="$version" -DgenerateBackupPoms=false
  mvn -B -ntp -q package -DskipTests
  cp target/agent-sandbox.jar "$out/agent-sandbox.jar"
fi
(cd "$out" && sha256sum agent-sandbox.jar >agent-sandbox.jar.sha256)
install -m 0755 bin/agent-sandbox "$out/agent-sandbox"
install -m 0755 scripts/install-cli.sh "$out/install-cli.sh"
echo "release $version: $(cat "$out/agent-sandbox.jar.sha256")"
