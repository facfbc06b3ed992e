#!/usr/bin/env bash
# The checks of real projects (issue 40): three suites whose tests do what unit tests do (files in
# temp folders), each on the host, under runc and under the hardened runsc a check gets, interleaved,
# median of ROUNDS; then the Python suite under runsc settings (runsc do on the same root file
# system, so that only the flag differs). Into bench/results-checks.md.
# Usage: bench/checks.sh [ROUNDS]   (root; needs scripts/setup-host.sh's test-build image)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
image=${AGENT_SANDBOX_BUILD_IMAGE:-agent-sandbox/test-build:bookworm}
work=$(mktemp -d /var/tmp/agent-sandbox-checks-bench.XXXXXX)
daemon_json=/etc/docker/daemon.json
cleanup() {
  umount -R "$work/rootfs/workspace" "$work/rootfs/m2" 2>/dev/null || true
  if [ -f "$work/daemon.json.orig" ]; then cp "$work/daemon.json.orig" "$daemon_json"; kill -HUP "$(pidof dockerd)"; fi
  rm -rf "$work"
}
trap cleanup EXIT
ms() { date +%s%N | cut -c1-13; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratios() { # ratios PREFIX NONE_LABEL: a table row for each variant, its median against the first variant's
  local d t n; d=$(median <"$work/t-$1-0")
  for n in "${!variants[@]}"; do
    t=$(median <"$work/t-$1-$n")
    awk -v v="${variants[$n]:-$2}" -v t="$t" -v d="$d" 'BEGIN {printf "| `%s` | %d ms | %.2f |\n", v, t, t/d}' >>"$out"
  done
}

python3 "$root/bench/gen_checks.py" "$work/suites"
# Maven's local repository for the suite, taken from the host's (read as a file mirror, no network)
printf '<settings><mirrors><mirror><id>central</id><mirrorOf>*</mirrorOf><url>file://%s</url></mirror></mirrors></settings>' \
  "$HOME/.m2/repository" >"$work/settings.xml"
(cd "$work/suites/maven" && mvn -B -q -s "$work/settings.xml" -Dmaven.repo.local="$work/m2" test >/dev/null && rm -rf target)
chmod -R a+rwX "$work/suites" "$work/m2"
# The image's root file system, for the host run (chroot) and runsc do
mkdir -p "$work/rootfs"
cid=$(docker create "$image" true); docker export "$cid" | tar -x -C "$work/rootfs"; docker rm "$cid" >/dev/null
mkdir -p "$work/rootfs/workspace" "$work/rootfs/m2"

declare -A cmd=(
  [python]="cd /workspace/python && python3 -m unittest -q 2>&1 | tail -1"
  [npm]="cd /workspace/npm && npm test --silent >/dev/null 2>&1 && echo OK"
  [maven]="cd /workspace/maven && mvn -B -q -o -Dmaven.repo.local=/m2 -Duser.home=/tmp test >/tmp/mvn.log 2>&1 && echo OK || tail -3 /tmp/mvn.log"
)
fresh() { rm -rf "$work/ws"; cp -a "$work/suites" "$work/ws"; chmod -R a+rwX "$work/ws"; }
timed() { # timed LABEL COMMAND...: wall ms to t-LABEL; the run must print OK
  local label=$1; shift
  fresh
  local t0 out; t0=$(ms)
  out=$("$@" 2>&1 | tail -1) || true
  [ "$out" = OK ] || { echo "$label failed: $out" >&2; exit 1; }
  echo $(( $(ms) - t0 )) >>"$work/t-$label"
}
on_host() { # the same binaries as the image, without a sandbox
  unshare -m sh -c "mount --bind '$work/ws' '$work/rootfs/workspace' && mount --bind '$work/m2' '$work/rootfs/m2' \
    && mount -t proc proc '$work/rootfs/proc' && mount -t tmpfs tmpfs '$work/rootfs/tmp' && mount --rbind /dev '$work/rootfs/dev' \
    && chroot '$work/rootfs' env HOME=/tmp PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c '$1'"
}
in_docker() { # in_docker RUNTIME COMMAND: the hardening a check's sandbox gets
  docker run --rm --runtime "$1" --network none --read-only --cap-drop ALL --security-opt no-new-privileges -u 65534:65534 \
    --tmpfs /tmp:rw,noexec,nosuid,size=1g -e HOME=/tmp -v "$work/ws:/workspace" -v "$work/m2:/m2" "$image" sh -c "$2"
}
with_runsc() { # with_runsc "FLAGS" COMMAND: runsc do on the image's root file system
  local flags=$1
  unshare -m sh -c "mount --bind '$work/ws' '$work/rootfs/workspace' && mount --bind '$work/m2' '$work/rootfs/m2' \
    && runsc --network=none $flags do -quiet -root '$work/rootfs' -cwd / env HOME=/tmp PATH=/usr/local/bin:/usr/bin:/bin sh -c '$2'"
}

out="$root/bench/results-checks.md"
{
  echo "# The checks of real projects (bench/checks.sh)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(docker version --format 'Docker {{.Server.Version}}'), $(runsc --version 2>/dev/null | head -1), platform systrap (KVM hangs on this machine); median of $rounds, interleaved"
  echo
  echo "## A. Each suite on the host, under runc and under a check's hardened runsc sandbox"
  echo
  echo "| suite | host (chroot, same binaries) | runc | runsc | runsc / runc | runsc / host |"
  echo "|---|---|---|---|---|---|"
} >"$out"
for s in python npm maven; do
  for i in $(seq "$rounds"); do
    timed "$s-host" on_host "${cmd[$s]}"
    timed "$s-runc" in_docker runc "${cmd[$s]}"
    timed "$s-runsc" in_docker runsc "${cmd[$s]}"
  done
  h=$(median <"$work/t-$s-host"); c=$(median <"$work/t-$s-runc"); g=$(median <"$work/t-$s-runsc")
  awk -v s="$s" -v h="$h" -v c="$c" -v g="$g" 'BEGIN {printf "| %s | %d ms | %d ms | %d ms | %.2f | %.2f |\n", s, h, c, g, g/c, g/h}' >>"$out"
done
# The Python suite prints "OK" as its last line; the same counts for the settings below.
{
  echo
  echo "## B. The Python suite under runsc settings (runsc do, the image's root file system; only the flag differs)"
  echo
  echo "| runsc flags | time | against the default |"
  echo "|---|---|---|"
} >>"$out"
variants=("" "--directfs=false" "--overlay2=none" "--overlay2=root:self" "--overlay2=all:memory")
for i in $(seq "$rounds"); do
  for n in "${!variants[@]}"; do
    timed "do-$n" with_runsc "${variants[$n]}" "${cmd[python]}"
  done
done
ratios do "(defaults)"

# C. The same settings where a check really runs: Docker runtimes added for this run (dockerd reloads its
# runtimes on SIGHUP, running containers untouched), each with the registered runtime's flags plus one.
cp "$daemon_json" "$work/daemon.json.orig"
base_args=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["runtimes"]["runsc"]["runtimeArgs"]))' "$daemon_json")
python3 - "$daemon_json" "${variants[@]}" <<'PY'
import json, sys
path, variants = sys.argv[1], sys.argv[2:]
d = json.load(open(path))
base = d["runtimes"]["runsc"]
for i, v in enumerate(variants):
    d["runtimes"]["runsc-bench-%d" % i] = {"path": base["path"], "runtimeArgs": base["runtimeArgs"] + ([v] if v else [])}
json.dump(d, open(path, "w"), indent=2)
PY
kill -HUP "$(pidof dockerd)"; sleep 2
{
  echo
  echo "## C. The Python suite in a check's hardened sandbox (Docker), the registered runsc flags ($base_args) plus one"
  echo
  echo "| added flag | time | against the registered runtime |"
  echo "|---|---|---|"
} >>"$out"
for i in $(seq "$rounds"); do
  for n in "${!variants[@]}"; do
    timed "docker-$n" in_docker "runsc-bench-$n" "${cmd[python]}"
  done
done
ratios docker "(none)"
cat "$out"
