#!/usr/bin/env bash
# The whole test suite on this machine: prepares the host (idempotent), then unit and
# integration tests against the real Docker daemon and gVisor.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then scripts/setup-host.sh; else sudo scripts/setup-host.sh; fi
# The runners' own users (uid 1001 with sudo, a docker-group user without): the guides run as them.
if [ "$(id -u)" -eq 0 ]; then scripts/setup-test-users.sh; else sudo scripts/setup-test-users.sh; fi
exec mvn -B -ntp verify "$@"
