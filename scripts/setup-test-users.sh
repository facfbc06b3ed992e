#!/usr/bin/env bash
# The users CI runners really are, for the tests that run the guides as them (RunnerUsers):
#   runner        uid 1001, the docker group, passwordless sudo: a GitHub-hosted Linux runner;
#   gitlab-runner the docker group, no sudo: a GitLab shell runner, a Jenkins agent;
#   jenkins       the docker group, sudo for exactly mount, umount and runsc (docs/hosts.md's line).
# Idempotent; run as root (scripts/test.sh does).
set -euo pipefail
log() { printf '[setup-test-users] %s\n' "$*" >&2; }
die() { printf '[setup-test-users] error: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root"
if ! command -v sudo >/dev/null; then
  log "installing sudo (GitHub's runners have it)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sudo >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends sudo >/dev/null; }
fi
getent group docker >/dev/null || groupadd --system docker
if ! id runner >/dev/null 2>&1; then
  other=$(getent passwd 1001 | cut -d: -f1 || true)
  [ -z "$other" ] || die "uid 1001 belongs to '$other'; the GitHub runner's user must be uid 1001"
  useradd --uid 1001 --create-home --shell /bin/bash --groups docker runner
  log "made user runner (uid 1001, docker group)"
fi
[ "$(id -u runner)" = 1001 ] || die "user runner exists with uid $(id -u runner), not 1001"
id -nG runner | tr ' ' '\n' | grep -qx docker || usermod -aG docker runner
printf 'runner ALL=(ALL) NOPASSWD:ALL\n' >/etc/sudoers.d/agent-sandbox-test-runner
chmod 0440 /etc/sudoers.d/agent-sandbox-test-runner
if ! id gitlab-runner >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --groups docker gitlab-runner
  log "made user gitlab-runner (docker group, no sudo)"
fi
id -nG gitlab-runner | tr ' ' '\n' | grep -qx docker || usermod -aG docker gitlab-runner
rm -f /etc/sudoers.d/agent-sandbox-test-gitlab-runner
if sudo -n -u gitlab-runner sudo -n true 2>/dev/null; then
  die "gitlab-runner can use sudo here; the no-sudo tests would prove nothing"
fi
if ! id jenkins >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --groups docker jenkins
  log "made user jenkins (docker group, sudo for mount, umount and runsc only)"
fi
id -nG jenkins | tr ' ' '\n' | grep -qx docker || usermod -aG docker jenkins
tools=$(for t in mount umount runsc; do p=$(command -v "$t") || die "$t is not installed"; printf '%s, ' "$p"; done)
printf 'jenkins ALL=(root) NOPASSWD: %s\n' "${tools%, }" >/etc/sudoers.d/agent-sandbox-test-jenkins
chmod 0440 /etc/sudoers.d/agent-sandbox-test-jenkins
visudo -cq -f /etc/sudoers.d/agent-sandbox-test-jenkins || die "the sudoers line for jenkins does not parse"
