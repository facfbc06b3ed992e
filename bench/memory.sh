#!/usr/bin/env bash
# CLI memory against the size of the agent's change (issue: a hostile change must not exhaust the
# host's heap). The agent writes files of one-character lines, the worst case per byte; the CLI runs
# through the launcher with its default limits. Peak RSS of the CLI is reported side by side with a
# do-nothing run of the same build. Writes bench/results-memory.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
image=${AGENT_SANDBOX_TEST_IMAGE:-agent-sandbox/test-base:bookworm}
work=${BENCH_WORK:-/tmp/agent-sandbox-bench-memory}
rm -rf "$work"; mkdir -p "$work"
export LC_ALL=C.UTF-8
[ -f target/agent-sandbox.jar ] || mvn -q -B -ntp package -DskipTests
export AGENT_SANDBOX_JAR=$root/target/agent-sandbox.jar
cli=$root/bin/agent-sandbox
command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }
python3 bench/gen_repo.py "$work/repo" 1000
cfg="$work/cfg.yml"; printf 'version: 1\n' >"$cfg"
out=$root/bench/results-memory.md
{
  echo "# CLI memory against change size"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; the agent writes N MB of one-character lines (\`yes a\`, 1 MB per file); default limits; peak RSS of the CLI (GNU time)."
  echo
  echo "| added | exit | outcome | seconds | peak RSS of the CLI | do-nothing run's RSS | ratio |"
  echo "|---|---|---|---|---|---|---|"
} >"$out"
measure() { # measure LABEL SCRIPT -> "exit seconds rss"
  local t0 t1 code=0
  t0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$cli" run --repo "$work/repo" --task "$1" --image "$image" --command "$2" --config "$cfg" \
    --bundle "$work/b-$1" --quiet >"$work/out-$1" 2>&1 || code=$?
  t1=$(date +%s%N)
  echo "$code $(( (t1 - t0) / 1000000 )) $(tail -1 "$work/rss")"
}
measure warm-up 'true' >/dev/null; measure warm-up-2 'true' >/dev/null # the launcher records its class-data archive on a jar's second run, as every later run finds it
read -r _ _ base_rss <<<"$(measure idle 'echo x > /workspace/x.txt')"
for mb in 1 10 100 1000; do
  files=$mb
  read -r code ms rss <<<"$(measure "mb$mb" "for i in \$(seq 1 $files); do yes a | head -c 1048000 > /workspace/f\$i.txt; done")"
  outcome=$(grep -o 'fail [a-z-]*: [^;(]*' "$work/out-mb$mb" | head -1 || true)
  printf '| %s MB | %s | %s | %.1f | %d MB | %d MB | %.2f |\n' "$mb" "$code" "${outcome:-passed}" "$(echo "$ms/1000" | bc -l)" \
    $((rss / 1024)) $((base_rss / 1024)) "$(echo "$rss/$base_rss" | bc -l)" >>"$out"
done
cat "$out"

# The model proxy under a hostile agent (issue 35): 1,000 half-sent 4 MB bodies and 5,000 idle
# connections on proxy.sock, held past the request timeout (bench/proxy-flood.py); the CLI's peak RSS
# beside the do-nothing run's, as the launcher starts it.
flood=$(base64 -w0 bench/proxy-flood.py)
printf 'sk-ant-api03-%s' "$(head -c 30 /dev/zero | tr '\0' x)" >"$work/model-key"
t0=$(date +%s%N); code=0
/usr/bin/time -f '%M' -o "$work/rss" "$cli" run --repo "$work/repo" --task flood --image "$image" \
  --command "echo $flood | base64 -d > /tmp/flood.py && python3 /tmp/flood.py 32" --model-provider anthropic \
  --model-url http://127.0.0.1:9 --model-key-file "$work/model-key" --config "$cfg" --bundle "$work/b-flood" --quiet >"$work/out-flood" 2>&1 || code=$?
t1=$(date +%s%N); rss=$(tail -1 "$work/rss")
{
  echo
  echo "| proxy flood | exit | finding | seconds | peak RSS of the CLI | do-nothing run's RSS | ratio |"
  echo "|---|---|---|---|---|---|---|"
  printf '| 1,000 half-sent bodies + 5,000 idle connections | %s | %s | %.1f | %d MB | %d MB | %.2f |\n' "$code" \
    "$(grep -o 'proxy-limits: [^;]*' "$work/out-flood" | head -1 | cut -c1-120)" "$(echo "($t1-$t0)/1000000000" | bc -l)" \
    $((rss / 1024)) $((base_rss / 1024)) "$(echo "$rss/$base_rss" | bc -l)"
} >>"$out"
tail -3 "$out"
