#!/usr/bin/env bash
# Prepares a Debian or Ubuntu host for agent-sandbox: Docker Engine, gVisor (runsc), the
# runtimes registered with the daemon, a running daemon, and the locally built test image.
# Idempotent: safe to run again; it only does what is missing.
set -euo pipefail

TEST_IMAGE="${AGENT_SANDBOX_TEST_IMAGE:-agent-sandbox/test-base:bookworm}"
CACHE_DIR="${AGENT_SANDBOX_CACHE:-/var/cache/agent-sandbox}"
DAEMON_JSON=/etc/docker/daemon.json

log() { printf '[setup-host] %s\n' "$*" >&2; }
die() { printf '[setup-host] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and configures the Docker daemon)"
command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian and Ubuntu only"

apt_mirror() {
  # The first Debian mirror the host's apt sources name; never a fixed host.
  local m
  m=$(grep -h -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n1 || true)
  [ -n "$m" ] || m=$(grep -h -E '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n1 || true)
  [ -n "$m" ] || die "no apt mirror found in /etc/apt/sources.list*: set AGENT_SANDBOX_MIRROR"
  printf '%s' "$m"
}

# --- packages -------------------------------------------------------------------------------
want=(docker.io debootstrap jq git ca-certificates maven openjdk-17-jdk-headless chromium rsync nodejs npm openssh-server busybox)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# A JDK and Maven already on the PATH are good enough; do not force Debian's over them.
command -v mvn >/dev/null && missing=("${missing[@]/maven/}")
command -v javac >/dev/null && missing=("${missing[@]/openjdk-17-jdk-headless/}")
command -v chromium >/dev/null && missing=("${missing[@]/chromium/}")
# A Docker Engine already installed (Docker CE on GitHub's runners) is kept: docker.io would conflict with it.
command -v dockerd >/dev/null && missing=("${missing[@]/docker.io/}")
command -v node >/dev/null && missing=("${missing[@]/nodejs/}")
command -v npm >/dev/null && missing=("${missing[@]/npm/}")
read -r -a missing <<<"${missing[*]:-}"
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# docker.io may not be the client on PATH (a client-only binary can shadow it); prefer Debian's.
DOCKER=/usr/bin/docker; [ -x "$DOCKER" ] || DOCKER=$(command -v docker)

# --- gVisor, 2024 or newer -----------------------------------------------------------------------
# Releases before 2023 (Debian 12 ships 20221219) lose child-process exits: Codex CLI hangs after its
# first command. On Debian, runsc comes from the next Debian release's archive (a static binary with
# no dependencies), fetched and signature-checked by apt with a throwaway configuration that leaves
# the host's sources alone; elsewhere (Ubuntu packages runsc only from 25.10) from gVisor's release.
runsc_date() { "$1" --version 2>/dev/null | sed -n 's/^runsc version [^0-9]*\([0-9]\{8\}\).*/\1/p' | head -n1; }
RUNSC=$(command -v runsc || true)
if [ -z "$RUNSC" ] || [ "$(runsc_date "$RUNSC")" \< 20240101 ]; then
  if [ -f /etc/debian_version ] && ! grep -qi ubuntu /etc/os-release; then
    mirror="${AGENT_SANDBOX_MIRROR:-$(apt_mirror)}"
    tmp=$(mktemp -d)
    chmod 0755 "$tmp" # apt fetches as _apt
    mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
    printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$mirror" >"$tmp/sources.list"
    apt_tmp=(-o Dir::Etc::SourceList="$tmp/sources.list" -o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$tmp/lists"
      -o Dir::Cache::Archives="$tmp/archives" -o APT::Get::List-Cleanup=0)
    log "installing runsc from Debian 13 (Debian 12's is from 2022)"
    apt-get "${apt_tmp[@]}" update -qq >/dev/null || die "cannot read Debian 13's package index from $mirror"
    (cd "$tmp" && apt-get "${apt_tmp[@]}" download runsc >/dev/null) || die "cannot download runsc from Debian 13"
    dpkg -i "$tmp"/runsc_*.deb >/dev/null || die "cannot install runsc from Debian 13"
    rm -rf "$tmp"
  else
    "$(dirname "$0")/install-gvisor.sh"
  fi
  RUNSC=$(command -v runsc) || die "runsc not found after install"
fi

# --- runtimes in daemon.json, merged with what is there ----------------------------------------
# Debian's runsc (2022) refuses to start on new kernels with "cannot run with network enabled in
# root network namespace" unless told --network=none; --host-uds=open lets the sandbox reach a
# host Unix socket mounted into it (the model-API proxy).
mkdir -p /etc/docker
[ -s "$DAEMON_JSON" ] || echo '{}' >"$DAEMON_JSON"
jq -e . "$DAEMON_JSON" >/dev/null || die "$DAEMON_JSON is not valid JSON: fix or remove it, then run again"
# runsc-services: a check's services (checks.NAME.services) bind the sockets their check reaches
# them by (--host-uds=create); the agent's and the checks' runtime never may.
want_json=$(jq -n --arg p "$RUNSC" '{runtimes: {runsc: {path: $p, runtimeArgs: ["--network=none", "--host-uds=open"]},
  "runsc-services": {path: $p, runtimeArgs: ["--network=none", "--host-uds=create"]}}}')
merged=$(jq -S --argjson w "$want_json" '. * $w' "$DAEMON_JSON")
changed=0
if [ "$merged" != "$(jq -S . "$DAEMON_JSON")" ]; then
  cp "$DAEMON_JSON" "$DAEMON_JSON.bak.$(date +%s)"
  printf '%s\n' "$merged" >"$DAEMON_JSON"
  changed=1
  log "registered runtimes runsc and runsc-services in $DAEMON_JSON"
fi

# --- the daemon ------------------------------------------------------------------------------
daemon_up() { "$DOCKER" info >/dev/null 2>&1; }
has_service_manager() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null; }
if has_service_manager; then
  if [ "$changed" -eq 1 ] && systemctl is-active --quiet docker; then systemctl restart docker; fi
  systemctl is-active --quiet docker || systemctl start docker
else
  if [ "$changed" -eq 1 ] && daemon_up; then
    log "restarting dockerd to load the new runtime"
    pkill -TERM -x dockerd || true
    for _ in $(seq 1 50); do pgrep -x dockerd >/dev/null || break; sleep 0.2; done
  fi
  if ! daemon_up; then
    pgrep -x dockerd >/dev/null && die "dockerd runs but does not answer: see /var/log/dockerd.log"
    log "starting dockerd (no service manager runs it)"
    nohup dockerd >/var/log/dockerd.log 2>&1 &
  fi
fi
for _ in $(seq 1 120); do daemon_up && break; sleep 0.5; done
daemon_up || die "the Docker daemon did not answer within 60 s: see /var/log/dockerd.log"
"$DOCKER" info --format '{{json .Runtimes}}' | jq -e '.runsc' >/dev/null \
  || die "the daemon does not list the runsc runtime: check $DAEMON_JSON and restart dockerd"
log "Docker $("$DOCKER" version --format '{{.Server.Version}}') answers; runtimes: $("$DOCKER" info --format '{{range $k, $v := .Runtimes}}{{$k}} {{end}}')"

# --- the test image, built locally (no registry can be reached) ----------------------------------
if ! "$DOCKER" image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
  mkdir -p "$CACHE_DIR"
  tarball="$CACHE_DIR/test-base-bookworm.tar"
  if [ ! -s "$tarball" ]; then
    mirror="${AGENT_SANDBOX_MIRROR:-$(apt_mirror)}"
    root=$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    log "building $TEST_IMAGE with debootstrap (about a minute)"
    debootstrap --variant=minbase --include=git,python3,socat bookworm "$root" "$mirror" >"$CACHE_DIR/debootstrap.log" 2>&1 \
      || die "debootstrap failed: see $CACHE_DIR/debootstrap.log"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"; trap - EXIT
  fi
  "$DOCKER" import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'WORKDIR /workspace' "$tarball" "$TEST_IMAGE" >/dev/null
  log "imported $TEST_IMAGE"
fi

# --- images derived from the test image with Debian packages from its mirror ----------------------
# derived IMAGE WHAT PACKAGES [EXTRA_DOCKERFILE_LINE]: built once, its log in the cache folder
derived() {
  local image=$1 what=$2 packages=$3 extra=${4:-} name
  "$DOCKER" image inspect "$image" >/dev/null 2>&1 && return 0
  mkdir -p "$CACHE_DIR"
  name=$(basename "${image%%:*}")
  log "building $image ($what from the test image's Debian mirror)"
  printf 'FROM %s\nRUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\\n  %s >/dev/null && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb\n%s\n' \
    "$TEST_IMAGE" "$packages" "$extra" | "$DOCKER" build -q -t "$image" - >"$CACHE_DIR/$name.log" 2>&1 \
    || die "cannot build $image: see $CACHE_DIR/$name.log"
  log "built $image"
}
# checks of real projects
derived agent-sandbox/test-build:bookworm "JDK, Maven, Node, npm; a few minutes" "openjdk-17-jdk-headless maven nodejs npm ca-certificates"
# checks' services, and the clients a sample application uses
derived agent-sandbox/test-services:bookworm "PostgreSQL, Redis and their Python clients" \
  "postgresql-15 redis-server python3-psycopg2 python3-redis" \
  "ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# --- test tools from the npm registry (the GitLab template's jobs run under gitlab-ci-local) ----
"$(dirname "$0")/install-test-tools.sh"
DOCKER="$DOCKER" "$(dirname "$0")/build-test-agents.sh"

# --- smoke: gVisor really starts -------------------------------------------------------------------
if ! out=$("$DOCKER" run --rm --runtime runsc --network none "$TEST_IMAGE" true 2>&1); then
  die "a gVisor container does not start: $out"
fi
log "ready: docker + runsc + $TEST_IMAGE"
