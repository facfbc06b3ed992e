#!/usr/bin/env bash
# The host runtime agent-sandbox needs, on a machine that already runs Docker (a GitHub-hosted
# Ubuntu runner, a self-hosted runner, a workstation): gVisor's runsc from its official release at a
# pinned version, its SHA-512 checked, registered with Docker (`runsc install`) and the daemon
# reloaded. It does nothing when the daemon already has the runtime, and installs nothing else: no
# packages, no Docker, no test images (scripts/setup-host.sh prepares a test machine).
#
#   AGENT_SANDBOX_GVISOR_VERSION  release to install (default below; the action pins it by its ref)
#   AGENT_SANDBOX_GVISOR_SHA512   expected SHA-512 of runsc; when set, the release's own .sha512 must agree
#   AGENT_SANDBOX_GVISOR_URL      release root (default: gVisor's release bucket; a mirror of it)
#   AGENT_SANDBOX_GVISOR_RUNTIME  Docker runtime name (default runsc)
#   AGENT_SANDBOX_GVISOR_BIN      where runsc goes (default /usr/local/bin; must be readable by all)
set -euo pipefail

VERSION="${AGENT_SANDBOX_GVISOR_VERSION:-20261012.0}"
URL="${AGENT_SANDBOX_GVISOR_URL:-https://storage.googleapis.com/gvisor/releases/release}"
RUNTIME="${AGENT_SANDBOX_GVISOR_RUNTIME:-runsc}"
BIN="${AGENT_SANDBOX_GVISOR_BIN:-/usr/local/bin}"

log() { printf '[install-gvisor] %s\n' "$*" >&2; }
die() { printf '[install-gvisor] error: %s\n' "$*" >&2; exit 1; }

# A docker-group user asks the daemon directly; root or sudo is needed only to install.
docker_info() { docker info "$@" 2>/dev/null || { [ "$(id -u)" -ne 0 ] && sudo -n docker info "$@" 2>/dev/null; }; }
docker_info >/dev/null || die "Docker does not answer: this script adds gVisor to a running Docker Engine; install and start Docker first"
registered_as() { docker_info --format '{{json .Runtimes}}' | grep -q "\"$1\""; }
registered() { registered_as "$RUNTIME"; }
# gVisor's KVM platform is registered beside it where the host has /dev/kvm (sandbox.platform: kvm).
kvm_missing() { [ -e /dev/kvm ] && ! registered_as "$RUNTIME-kvm"; }
# Checks' services (checks.NAME.services) run under runsc registered a second time, allowed to bind
# the sockets their check reaches them by; the agent's runtime never is.
runtime_path() { docker_info --format "{{(index .Runtimes \"$1\").Path}}" 2>/dev/null; }
real_program() { p=$(command -v "$1" 2>/dev/null || echo "$1"); readlink -f "$p" 2>/dev/null || echo "$p"; }
# missing, or not the same runsc as the check's (agent-sandbox refuses a services runtime that is another program)
services_missing() {
  ! registered_as "$RUNTIME-services" \
    || [ "$(real_program "$(runtime_path "$RUNTIME-services")")" != "$(real_program "$(runtime_path "$RUNTIME")")" ]
}
if registered && { { ! kvm_missing && ! services_missing; } || { [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; }; }; then
  kvm_missing && log "the KVM runtime '$RUNTIME-kvm' is not registered and registering it needs root: sandbox.platform: kvm is unavailable here"
  services_missing && log "the runtime '$RUNTIME-services' is not registered and registering it needs root: checks with services are refused here"
  log "Docker already has the runtime '$RUNTIME'; nothing to do (doctor checks that it works)"
  exit 0
fi

# Installing needs root, or passwordless sudo (hosted runners run as a user that has it).
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  sudo -n true 2>/dev/null || die "Docker has no '$RUNTIME' runtime, and installing it needs root or passwordless sudo (it writes $BIN/runsc and /etc/docker/daemon.json, and reloads dockerd): ask the host's administrator to run this script"
  SUDO=(sudo -n)
fi
reload() { # Docker reloads its runtimes on SIGHUP; running containers are not touched.
  if [ -d /run/systemd/system ] && systemctl is-active --quiet docker 2>/dev/null; then
    "${SUDO[@]}" systemctl reload docker
  else
    pid=$(pgrep -x dockerd | head -n1) || die "dockerd is not running here (a remote Docker host?): register runsc on that host"
    "${SUDO[@]}" kill -HUP "$pid"
  fi
}
register_kvm() { # register_kvm RUNSC: doctor and run check, bounded, that KVM really works before a run uses it
  "${SUDO[@]}" "$1" install --runtime "$RUNTIME-kvm" -- --network=none --host-uds=open --platform=kvm >/dev/null 2>&1 \
    || die "runsc install could not register the runtime '$RUNTIME-kvm' in /etc/docker/daemon.json"
}
register_services() { # register_services RUNSC
  "${SUDO[@]}" "$1" install --runtime "$RUNTIME-services" -- --network=none --host-uds=create >/dev/null 2>&1 \
    || die "runsc install could not register the runtime '$RUNTIME-services' in /etc/docker/daemon.json"
}
if registered; then # only the KVM or the services' runtime is missing: the installed runsc serves them
  # the runsc the daemon already runs, so that the services and KVM runtimes are the same binary
  runsc_bin=$(real_program "$(runtime_path "$RUNTIME")")
  [ -x "$runsc_bin" ] || runsc_bin=$(command -v runsc || echo "$BIN/runsc")
  want=()
  if kvm_missing; then register_kvm "$runsc_bin"; want+=("$RUNTIME-kvm"); fi
  if services_missing; then register_services "$runsc_bin"; want+=("$RUNTIME-services"); fi
  reload
  for rt in "${want[@]}"; do
    for _ in $(seq 1 50); do registered_as "$rt" && break; sleep 0.2; done
    registered_as "$rt" || die "the daemon does not list the runtime '$rt' after the reload: see /etc/docker/daemon.json"
    log "registered the Docker runtime '$rt'"
  done
  exit 0
fi
for tool in curl sha512sum; do
  command -v "$tool" >/dev/null || die "$tool is missing: install it and run again"
done

case "$(uname -m)" in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) die "gVisor has no release for $(uname -m) (x86_64 and aarch64 only)" ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$URL/$VERSION/$arch"
log "downloading runsc $VERSION ($arch)"
curl -fsSL --retry 3 --connect-timeout 20 -o "$work/runsc" "$src/runsc" || die "cannot download $src/runsc"
curl -fsSL --retry 3 --connect-timeout 20 -o "$work/runsc.sha512" "$src/runsc.sha512" || die "cannot download $src/runsc.sha512"

# The release's checksum file names the file it covers; read only its hash.
published=$(awk 'NR == 1 {print tolower($1)}' "$work/runsc.sha512")
actual=$(sha512sum "$work/runsc" | awk '{print $1}')
[[ "$published" =~ ^[0-9a-f]{128}$ ]] || die "$src/runsc.sha512 holds no SHA-512: refusing to install"
[ "$actual" = "$published" ] || die "runsc does not match its published SHA-512 (got $actual): refusing to install; nothing was changed"
if [ -n "${AGENT_SANDBOX_GVISOR_SHA512:-}" ]; then
  pinned=$(printf '%s' "$AGENT_SANDBOX_GVISOR_SHA512" | tr 'A-F' 'a-f')
  [ "$actual" = "$pinned" ] || die "runsc $VERSION does not match AGENT_SANDBOX_GVISOR_SHA512 (got $actual): refusing to install; nothing was changed"
fi
chmod 0755 "$work/runsc"
"$work/runsc" --version >/dev/null 2>&1 || die "the downloaded runsc does not run on this host"

"${SUDO[@]}" install -d -m 0755 "$BIN"
"${SUDO[@]}" install -m 0755 "$work/runsc" "$BIN/runsc.new"
"${SUDO[@]}" mv -f "$BIN/runsc.new" "$BIN/runsc"
log "installed $BIN/runsc ($("$BIN/runsc" --version 2>/dev/null | head -n1))"

# --network=none: runsc refuses to start in the root network namespace on recent kernels without it
# (agent-sandbox never gives a sandbox a network anyway); --host-uds=open: the sandbox reaches the
# model proxy's Unix socket mounted into it.
"${SUDO[@]}" "$BIN/runsc" install --runtime "$RUNTIME" -- --network=none --host-uds=open >/dev/null 2>&1 \
  || die "runsc install could not register the runtime in /etc/docker/daemon.json"
if [ -e /dev/kvm ]; then
  register_kvm "$BIN/runsc"
fi
register_services "$BIN/runsc"

reload
for _ in $(seq 1 50); do registered && break; sleep 0.2; done
registered || die "the daemon does not list the runtime '$RUNTIME' after the reload: see /etc/docker/daemon.json"
log "registered the Docker runtime '$RUNTIME'"
