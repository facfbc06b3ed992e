#!/usr/bin/env bash
# Runs side by side on one host (issue 41), into bench/results-concurrency.md: the same 8 runs
# with 1, 2, 4 and 8 in flight at once (a Jenkins agent's executors, a runner host's jobs), on the
# sample repository with its lint and tests checks; half share one repository (one base tree),
# half have their own. Throughput in runs per minute, and each run's own wall time.
# Usage: bench/concurrency.sh [RUNS]   (needs scripts/setup-host.sh's image)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
runs=${1:-8}
image=${AGENT_SANDBOX_TEST_IMAGE:-agent-sandbox/test-base:bookworm}
jar=$root/target/agent-sandbox.jar
[ -f "$jar" ] || mvn -B -q -o -DskipTests package
export AGENT_SANDBOX_JAR=$jar
cli=$root/bin/agent-sandbox
work=$(mktemp -d /var/tmp/agent-sandbox-conc-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
ms() { date +%s%N | cut -c1-13; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
repo() { # repo DIR: the sample repository, committed
  mkdir -p "$1" && cp -r examples/sample-repo/. "$1" && git -C "$1" init -q -b main \
    && git -C "$1" add -A && git -C "$1" -c user.name=b -c user.email=b@x.invalid commit -q -m sample
}
repo "$work/shared"
for i in $(seq 1 "$runs"); do repo "$work/own-$i"; done
one() { # one LEVEL I: a run, its wall ms to t-LEVEL, its exit code to x-LEVEL
  local level=$1 i=$2 r="$work/shared" t0
  [ $((i % 2)) = 1 ] && r="$work/own-$i"
  t0=$(ms)
  "$cli" run --repo "$r" --task "conc $level $i" --image "$image" \
    --command "printf '\\ndef f_$i(a):\\n    return a\\n' >> calc.py" --bundle "$work/b-$level-$i" --quiet >"$work/log-$level-$i" 2>&1 \
    && echo 0 >>"$work/x-$level" || echo $? >>"$work/x-$level"
  echo $(( $(ms) - t0 )) >>"$work/t-$level"
}
export -f one ms; export cli image work
one warmup 0 >/dev/null; one warmup 0 >/dev/null # the launcher's class-data archive, the shared export
out="$root/bench/results-concurrency.md"
{
  echo "# Runs side by side on one host (bench/concurrency.sh)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(docker version --format 'Docker {{.Server.Version}}'), $(runsc --version 2>/dev/null | head -1)."
  echo "$runs runs of the sample repository (agent + lint + tests, each in its own gVisor sandbox), half on one shared repository."
  echo
  echo "| at once | passed | wall time | runs per minute | against one at a time | median run | slowest run |"
  echo "|---|---|---|---|---|---|---|"
} >"$out"
base=""
for level in 1 2 4 8; do
  t0=$(ms)
  seq 1 "$runs" | xargs -P "$level" -I{} bash -c "one $level {}"
  wall=$(( $(ms) - t0 ))
  rpm=$(awk -v n="$runs" -v ms="$wall" 'BEGIN {printf "%.1f", n*60000/ms}')
  [ -z "$base" ] && base=$rpm
  passed=$(grep -c '^0$' "$work/x-$level" || true)
  echo "| $level | $passed/$runs | $((wall / 1000)).$(( (wall % 1000) / 100 )) s | $rpm | $(awk -v a="$rpm" -v b="$base" 'BEGIN {printf "%.2f", a/b}') × | $(median <"$work/t-$level") ms | $(sort -n "$work/t-$level" | tail -1) ms |" >>"$out"
done
echo >>"$out"
cat "$out"
