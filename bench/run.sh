#!/usr/bin/env bash
# agent-sandbox benchmarks. Every figure is a RATIO measured side by side in the same run (these
# machines are noisy): the gate against a bare gVisor `docker run`, the secret scanner against
# secretlint, change detection against `git status`. Writes bench/results.md.
# Usage: bench/run.sh [--quick]   (--quick: smaller sizes, for a smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
quick=${1:-}
image=${AGENT_SANDBOX_TEST_IMAGE:-agent-sandbox/test-base:bookworm}
work=${BENCH_WORK:-/tmp/agent-sandbox-bench}
rm -rf "$work"; mkdir -p "$work"
export LC_ALL=C.UTF-8
[ -f target/agent-sandbox.jar ] || mvn -q -B -ntp package -DskipTests
mvn -q -B -ntp -o test-compile >/dev/null 2>&1 || mvn -q -B -ntp test-compile
jar=$root/target/agent-sandbox.jar
# Runs go through the launcher, as users run it (JVM options, class-data sharing); two warm-up runs
# below record the class-data archive (the launcher records on a jar's second run) so that the
# measured runs all use it.
export AGENT_SANDBOX_JAR=$jar
cli=$root/bin/agent-sandbox
cp_test="$root/target/test-classes:$jar"
sizes=(1000 10000 100000); [ "$quick" = "--quick" ] && sizes=(1000 10000)
scan_mb=100; [ "$quick" = "--quick" ] && scan_mb=20
command -v /usr/bin/time >/dev/null || { echo "bench: needs GNU time (apt-get install time)" >&2; exit 2; }

ms() { date +%s%N | cut -c1-13; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
nocfg="$work/no-checks.yml"; printf 'agent: { identity: { name: b, email: b@x.invalid } }\n' >"$nocfg"
results="$root/bench/results.md"
{
  echo "# agent-sandbox benchmarks"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(docker version --format 'Docker {{.Server.Version}}'), $(runsc --version 2>/dev/null | head -1)"
  echo
} >"$results"

# 1 + 5. Gate overhead and footprint: a do-nothing agent with the policy, secrets and dependency
# gates, against a bare `docker run --runtime runsc --network none IMAGE true`, side by side.
# A run's first on a base tree exports it once (the shared lower layer of the overlay workspaces);
# later runs on that tree only mount it. The private-copy workspace (--workspace copy) is shown
# for comparison.
echo "## 1. Gate overhead (do-nothing agent; policy, secrets, dependency gates; median of 3)" >>"$results"
echo >>"$results"
echo "| files | bare gVisor run | first run on a base (exports it) | later runs (overlay) | overhead of later runs | ratio | private copy (--workspace copy) | peak RSS of the CLI |" >>"$results"
echo "|---|---|---|---|---|---|---|---|" >>"$results"
first=1
timed() { # timed LABEL ARGS... : runs the CLI, appends its ms to $work/t-LABEL and its peak RSS to $work/r-LABEL
  local label=$1; shift
  local t0 t1; t0=$(ms)
  # exit 5: the do-nothing agent changed nothing, as intended here
  /usr/bin/time -f '%M' -o "$work/rss" "$cli" run "$@" --image "$image" --command true --config "$nocfg" --quiet >/dev/null || [ $? -eq 5 ]
  t1=$(ms); echo $((t1 - t0)) >>"$work/t-$label"; cat "$work/rss" >>"$work/r-$label"
}
bare() { local t0 t1; t0=$(ms); docker run --rm --runtime runsc --network none "$image" true; t1=$(ms); echo $((t1 - t0)) >>"$work/t-bare"; }
for n in "${sizes[@]}"; do
  repo="$work/repo-$n"
  python3 bench/gen_repo.py "$repo" "$n"
  sync
  if [ "$first" = 1 ]; then
    for w in 1 2; do
      "$cli" run --repo "$repo" --task warm-up --image "$image" --command true --config "$nocfg" --bundle "$work/warm-up-$w" --quiet >/dev/null || [ $? -eq 5 ]
    done
    first=0
  fi
  rm -f "$work"/t-* "$work"/r-*
  for i in 1 2 3; do
    # A new base tree each time: the export is written again.
    echo "$i" >"$repo/BENCH_ROUND" && git -C "$repo" add BENCH_ROUND && git -C "$repo" commit -qm "round $i"
    bare; timed cold --repo "$repo" --task "first $i" --bundle "$work/b-$n-cold-$i"
  done
  for i in 1 2 3; do bare; timed warm --repo "$repo" --task "later $i" --bundle "$work/b-$n-warm-$i"; done
  for i in 1 2 3; do timed copy --repo "$repo" --task "copy $i" --bundle "$work/b-$n-copy-$i" --workspace copy; done
  b=$(median <"$work/t-bare"); c=$(median <"$work/t-cold"); w=$(median <"$work/t-warm"); p=$(median <"$work/t-copy"); r=$(median <"$work/r-warm")
  echo "| $n | ${b} ms | ${c} ms | ${w} ms | $((${w%.*} - ${b%.*})) ms | $(awk -v f="$w" -v b="$b" 'BEGIN {printf "%.2f", f/b}') | ${p} ms | $((${r%.*} / 1024)) MB |" >>"$results"
done
echo >>"$results"
echo "Overhead = everything beyond the bare sandbox: JVM start, overlay volume, collect, commit, gates, reports, signing, cleanup. Target: under 1 s at 10,000 files; peak RSS under 256 MB." >>"$results"
echo >>"$results"

# 1b. The overhead follows the change, not the repository: the largest repository, changes of
# growing size (each file gets a line appended).
n=${sizes[-1]}; repo="$work/repo-$n"
echo "## 1b. Overhead against the size of the change ($n files; median of 3)" >>"$results"
echo >>"$results"
echo "| files changed | bare gVisor run making the same edits | agent-sandbox run | overhead |" >>"$results"
echo "|---|---|---|---|" >>"$results"
for k in 1 100 1000; do
  edit="find src -name '*.py' | head -n $k | while read -r f; do echo '# edited' >>\"\$f\"; done"
  rm -f "$work"/t-*
  for i in 1 2 3; do
    rm -rf "$work/edit" && mkdir -p "$work/edit" && cp -r "$repo/src" "$work/edit/" && chmod -R a+rwX "$work/edit" && sync
    t0=$(ms); docker run --rm --runtime runsc --network none -u 65534 -v "$work/edit:/w" -w /w "$image" sh -c "$edit"; t1=$(ms)
    echo $((t1 - t0)) >>"$work/t-bare"
    t0=$(ms)
    "$cli" run --repo "$repo" --task "change $k $i" --image "$image" --command "$edit" --config "$nocfg" --bundle "$work/k-$k-$i" --quiet >/dev/null || true
    t1=$(ms); echo $((t1 - t0)) >>"$work/t-run"
  done
  b=$(median <"$work/t-bare"); f=$(median <"$work/t-run")
  echo "| $k | ${b} ms | ${f} ms | $((${f%.*} - ${b%.*})) ms |" >>"$results"
done
echo >>"$results"
echo "The bare run makes the same edits on a copy of the tree prepared before its timing starts." >>"$results"
echo >>"$results"

# 1c. A check (lint, tests) runs in its own fresh sandbox on the committed head tree. With an
# overlay workspace it gets a copy-on-write view of the change's own layer over the shared base
# export; with --workspace copy the head tree is exported and copied for it. The check here is
# `true`, so what it costs beyond a bare sandbox is the gate's own work.
checkcfg="$work/one-check.yml"
printf 'agent: { identity: { name: b, email: b@x.invalid } }\nchecks: { tests: { command: ["true"] } }\n' >"$checkcfg"
echo "## 1c. One check on the head tree (the agent edits one file; the check runs \`true\`; median of 3)" >>"$results"
echo >>"$results"
echo "| files | bare gVisor run | run without checks | run with one check | the check beyond its bare sandbox | with one check, --workspace copy |" >>"$results"
echo "|---|---|---|---|---|---|" >>"$results"
edit1="f=\$(find src -name '*.py' | head -n 1); echo '# edited' >>\"\$f\""
checked() { # checked LABEL CONFIG ARGS...
  local label=$1 cfg=$2; shift 2
  local t0 t1; t0=$(ms)
  "$cli" run "$@" --image "$image" --command "$edit1" --config "$cfg" --quiet >/dev/null
  t1=$(ms); echo $((t1 - t0)) >>"$work/t-$label"
}
for n in "${sizes[@]:1}"; do
  repo="$work/repo-$n"
  rm -f "$work"/t-*
  for i in 1 2 3; do
    bare
    checked none "$nocfg" --repo "$repo" --task "no check $i" --bundle "$work/c-$n-none-$i"
    checked one "$checkcfg" --repo "$repo" --task "one check $i" --bundle "$work/c-$n-one-$i"
  done
  checked copy "$checkcfg" --repo "$repo" --task "one check copy" --bundle "$work/c-$n-copy" --workspace copy
  b=$(median <"$work/t-bare"); z=$(median <"$work/t-none"); o=$(median <"$work/t-one"); p=$(median <"$work/t-copy")
  echo "| $n | ${b} ms | ${z} ms | ${o} ms | $((${o%.*} - ${z%.*} - ${b%.*})) ms | ${p} ms |" >>"$results"
done
echo >>"$results"
echo "The check's cost beyond its bare sandbox = (run with one check) - (run without checks) - (bare gVisor run). The copy column is one run." >>"$results"
echo >>"$results"

# 2. Secret scanning throughput versus secretlint on the same files.
echo "## 2. Secret scanning (${scan_mb} MB of generated diff, one core)" >>"$results"
echo >>"$results"
# Twice: with the launcher's JVM flags (C1 only: the CLI's runs are short) and with the JVM's
# optimizing compiler (C2), each on one core like secretlint.
taskset -c 0 java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$cp_test" dev.agentsandbox.bench.SecretScanBench "$work/scan" "$scan_mb" >"$work/scan.out"
taskset -c 0 java -XX:+UseSerialGC -cp "$cp_test" dev.agentsandbox.bench.SecretScanBench "$work/scan2" "$scan_mb" >"$work/scan-c2.out"
ours=$(sed -n 's/^scan_mb_per_s=//p' "$work/scan.out"); recall=$(sed -n 's/^recall=//p' "$work/scan.out")
ours_c2=$(sed -n 's/^scan_mb_per_s=//p' "$work/scan-c2.out")
npmdir=${AGENT_SANDBOX_CACHE:-/var/cache/agent-sandbox}/npm-secretlint
if [ ! -x "$npmdir/node_modules/.bin/secretlint" ]; then
  mkdir -p "$npmdir" && (cd "$npmdir" && npm install --no-audit --no-fund --silent secretlint @secretlint/secretlint-rule-preset-recommend >/dev/null)
fi
printf '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}\n' >"$work/scan/.secretlintrc.json"
# secretlint's own start (node, rule loading) measured on a one-line file and taken off, so that
# both figures are scanning throughput.
echo "x = 1" >"$work/scan/empty.txt"
lint() { (cd "$work/scan" && taskset -c 0 "$npmdir/node_modules/.bin/secretlint" --secretlintrc .secretlintrc.json "$1" >"$work/secretlint.out" 2>&1) || true; }
lint empty.txt # warm the file cache: node and its modules are read once
start_ms=999999; for i in 1 2 3; do t0=$(ms); lint empty.txt; t1=$(ms); [ $((t1 - t0)) -lt "$start_ms" ] && start_ms=$((t1 - t0)); done
all_ms=999999; for i in 1 2; do t0=$(ms); lint "chunk-*.txt"; t1=$(ms); [ $((t1 - t0)) -lt "$all_ms" ] && all_ms=$((t1 - t0)); done
grep -c "GITHUB_TOKEN" "$work/secretlint.out" >"$work/secretlint.found" || true
raw=$(awk -v mb="$scan_mb" -v ms="$all_ms" 'BEGIN {printf "%.1f", mb*1.048576/(ms/1000)}')
theirs=$(awk -v mb="$scan_mb" -v ms=$((all_ms - start_ms)) 'BEGIN {printf "%.1f", mb*1.048576/(ms/1000)}')
echo "| scanner | MB/s | ratio |" >>"$results"
echo "|---|---|---|" >>"$results"
echo "| agent-sandbox, as the CLI runs it (launcher flags: C1, serial GC) | $ours | $(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.1f", a/b}') × secretlint's scanning, $(awk -v a="$ours" -v b="$raw" 'BEGIN {printf "%.1f", a/b}') × its whole run |" >>"$results"
echo "| agent-sandbox with the optimizing compiler (C2) | $ours_c2 | $(awk -v a="$ours_c2" -v b="$theirs" 'BEGIN {printf "%.1f", a/b}') × secretlint's scanning, $(awk -v a="$ours_c2" -v b="$raw" 'BEGIN {printf "%.1f", a/b}') × its whole run |" >>"$results"
echo "| secretlint (preset-recommend), scanning: whole run less its start ($start_ms ms, best of 3 on a one-line file) | $theirs | 1 |" >>"$results"
echo "| secretlint, whole run ($all_ms ms, best of 2, taskset to one core) | $raw | |" >>"$results"
echo >>"$results"
echo "secretlint reported $(cat "$work/secretlint.found") planted GitHub tokens; agent-sandbox found $(sed -n 's/^found=//p' "$work/scan.out") secrets in all." >>"$results"
echo "Recall on the project's corpus (src/test/.../SecretCorpus): $recall. Target: >= 50 MB/s and >= 10 × secretlint." >>"$results"
{
  echo
  echo "### Secrets: precision and recall (labelled corpus: src/test/.../PrecisionCorpus)"
  echo
  echo "The corpus is the project's own: generated positives of every rule family in the syntaxes they appear in, and"
  echo "look-alike decoys (UUIDs, commit ids, SRI values, base64 images, Stripe test and publishable keys in fixtures,"
  echo "lock-file hashes, public keys, checksums, the tutorials' example JWT in docs, identifiers). The rules were tuned"
  echo "against it, so these are in-sample figures."
  echo
  java -cp "$cp_test" dev.agentsandbox.bench.SecretPrecisionBench
} >>"$results"
echo >>"$results"

# 3. Change detection on the largest tree with 5 files changed, versus git status on the same tree.
n=${sizes[-1]}; repo="$work/repo-$n"
echo "## 3. Change detection ($n files, 5 changed)" >>"$results"
echo >>"$results"
changed=(src/m0000/f000000.py src/m0001/f000100.py src/m0002/f000200.py src/m0003/f000300.py src/m0004/f000400.py)
java -XX:+UseSerialGC -cp "$cp_test" dev.agentsandbox.bench.ChangeDetectBench "$repo" "$work/ws-$n" "${changed[@]}" >"$work/cd.out"
ours=$(sed -n 's/^collect_seconds=//p' "$work/cd.out"); upper=$(sed -n 's/^upper_seconds=//p' "$work/cd.out")
for c in "${changed[@]}"; do echo changed >>"$repo/$c"; done
git -C "$repo" status --porcelain >/dev/null
best=999999
for i in 1 2 3 4 5; do t0=$(date +%s%N); git -C "$repo" status --porcelain >/dev/null; t1=$(date +%s%N); d=$(((t1 - t0) / 1000)); [ "$d" -lt "$best" ] && best=$d; done
git_s=$(awk -v us="$best" 'BEGIN {printf "%.4f", us/1e6}')
echo "| method | seconds (best of 5) | ratio |" >>"$results"
echo "|---|---|---|" >>"$results"
echo "| agent-sandbox, overlay workspace (the default): the upper layer, the base looked up in git where it has entries | $upper | $(awk -v a="$upper" -v b="$git_s" 'BEGIN {printf "%.2f", a/b}') × git |" >>"$results"
echo "| agent-sandbox, private copy (--workspace copy): whole tree against the export's stat data | $ours | $(awk -v a="$ours" -v b="$git_s" 'BEGIN {printf "%.2f", a/b}') × git |" >>"$results"
echo "| git status --porcelain (warm index) | $git_s | 1 |" >>"$results"
echo >>"$results"
echo "Target: no slower than git." >>"$results"
echo >>"$results"

# 4. Concurrency: 8 runs at once on this machine's cores.
echo "## 4. Concurrency (8 runs at once, 1,000-file repository, no checks)" >>"$results"
echo >>"$results"
repo="$work/repo-1000"
before=$(docker ps -aq --filter label=dev.agentsandbox.managed=true | wc -l)
t0=$(ms)
pids=()
for i in 1 2 3 4 5 6 7 8; do
  /usr/bin/time -f '%M' -o "$work/c-rss-$i" "$cli" run --repo "$repo" --task "conc $i" \
    --image "$image" --command "echo $i > NOTE.md" --config "$nocfg" --bundle "$work/c-$i" --quiet >"$work/c-$i.log" 2>&1 &
  pids+=($!)
done
ok=0; for p in "${pids[@]}"; do wait "$p" && ok=$((ok + 1)); done
t1=$(ms)
after=$(docker ps -aq --filter label=dev.agentsandbox.managed=true | wc -l)
volumes=$(docker volume ls -q --filter label=dev.agentsandbox.managed=true | wc -l)
mem=$(cat "$work"/c-rss-* | median)
echo "| runs | finished ok | wall time | runs per minute | median peak RSS per run | containers left | volumes left |" >>"$results"
echo "|---|---|---|---|---|---|---|" >>"$results"
echo "| 8 | $ok | $((t1 - t0)) ms | $(awk -v ms=$((t1 - t0)) 'BEGIN {printf "%.1f", 8*60000/ms}') | $((${mem%.*} / 1024)) MB | $((after - before)) | $volumes |" >>"$results"
echo >>"$results"
cat "$results"
