#!/usr/bin/env bash
# Installs a released agent-sandbox on a runner host (a GitLab shell runner, a Jenkins agent): the
# jar, its SHA-256 checked before anything is kept, and the launcher it carries, linked into PREFIX/bin.
# Needs no root for a prefix of the runner user's own (default ~/.local).
#
#   AGENT_SANDBOX_VERSION      the release, X.Y.Z (required)
#   AGENT_SANDBOX_JAR_SHA256   the jar's SHA-256 from the release page (required: nothing runs unchecked)
#   AGENT_SANDBOX_RELEASES     where releases are downloaded from (default: the project's GitHub releases)
#   PREFIX                     where to install (default ~/.local: PREFIX/lib/agent-sandbox/X.Y.Z, PREFIX/bin)
set -euo pipefail
die() { printf '[install-cli] error: %s\n' "$*" >&2; exit 1; }
version=${AGENT_SANDBOX_VERSION:?set AGENT_SANDBOX_VERSION to the release, X.Y.Z}
want=$(printf '%s' "${AGENT_SANDBOX_JAR_SHA256:?set AGENT_SANDBOX_JAR_SHA256 to the jar SHA-256 the release page gives}" | tr 'A-F' 'a-f')
releases=${AGENT_SANDBOX_RELEASES:-https://github.com/your-org/agent-sandbox/releases/download}
prefix=${PREFIX:-$HOME/.local}
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "AGENT_SANDBOX_VERSION '$version' is not X.Y.Z"
[[ "$want" =~ ^[0-9a-f]{64}$ ]] || die "AGENT_SANDBOX_JAR_SHA256 is not a SHA-256 (64 hex digits)"
case "$releases" in https://* | http://127.0.0.1:* | http://localhost:*) ;; *) die "AGENT_SANDBOX_RELEASES must be https" ;; esac
command -v java >/dev/null || die "Java 17 or newer is needed on the PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 --connect-timeout 20 -o "$work/agent-sandbox.jar" "$releases/v$version/agent-sandbox.jar" \
  || die "cannot download $releases/v$version/agent-sandbox.jar"
got=$(sha256sum "$work/agent-sandbox.jar" | awk '{print $1}')
[ "$got" = "$want" ] || die "the downloaded jar has SHA-256 $got, not $want: nothing was installed"
# The launcher comes out of the checked jar, never from a second download.
java -cp "$work/agent-sandbox.jar" dev.agentsandbox.cli.LauncherScript >"$work/agent-sandbox" || die "the jar carries no launcher"
dir="$prefix/lib/agent-sandbox/$version"
mkdir -p "$dir" "$prefix/bin"
install -m 0644 "$work/agent-sandbox.jar" "$dir/agent-sandbox.jar"
install -m 0755 "$work/agent-sandbox" "$dir/agent-sandbox"
ln -sfn "$dir/agent-sandbox" "$prefix/bin/agent-sandbox"
echo "installed agent-sandbox $version in $dir; $prefix/bin/agent-sandbox runs it ($("$prefix/bin/agent-sandbox" --version))"
