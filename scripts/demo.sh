#!/usr/bin/env bash
# The main job, end to end, on the bundled sample repository with the bundled scripted agent in
# gVisor: run → gates → review page → approval → merge → verify. Then a run that the policy
# refuses (the agent edits CI configuration). Everything happens in a fresh temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ "$(id -u)" -eq 0 ]; then scripts/setup-host.sh; else sudo scripts/setup-host.sh; fi
export LC_ALL=C.UTF-8

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "build the jar and the scripted agent's image"
mvn -q -B -ntp package -DskipTests
docker build -q -t agent-sandbox/scripted-agent:demo examples/agents/scripted >/dev/null
cli="$root/bin/agent-sandbox"

work=$(mktemp -d /tmp/agent-sandbox-demo.XXXXXX)
say "a sample repository with a bare remote, in $work"
git init -q --bare -b main "$work/origin.git"
cp -r examples/sample-repo "$work/repo"
git -C "$work/repo" init -q -b main
git -C "$work/repo" add -A
git -C "$work/repo" -c user.name=Dev -c user.email=dev@example.invalid commit -q -m "sample calculator"
git -C "$work/repo" remote add origin "$work/origin.git"
git -C "$work/repo" push -q origin main
"$cli" keygen --out "$work/signing"

say "run the agent in gVisor and check its change"
"$cli" run --repo "$work/repo" --task "Add a multiply function to the calculator" \
  --image agent-sandbox/scripted-agent:demo --command scripted-agent \
  --bundle "$work/bundle" --signing-key "$work/signing.key" --push origin

say "the review page: $work/bundle/reports/review.html"
cat "$work/bundle/reports/summary.md"
if command -v chromium >/dev/null; then
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$work/chromium" --window-size=1200,1400 \
    --screenshot="$work/review.png" "file://$work/bundle/reports/review.html" >/dev/null 2>&1 \
    && echo "(rendered to $work/review.png)"
fi

say "approve the exact commit reviewed, then merge"
"$cli" approve --run "$work/bundle" --by "${USER:-reviewer}" --comment "multiply looks right" \
  --signing-key "$work/signing.key" --key "$work/signing.pub"
"$cli" merge --run "$work/bundle" --key "$work/signing.pub" --signing-key "$work/signing.key"
"$cli" verify --run "$work/bundle" --key "$work/signing.pub"
echo "origin/main is now:"; git -C "$work/origin.git" log --oneline -3 main

say "a run the gates refuse: the agent edits the CI pipeline"
set +e
"$cli" run --repo "$work/repo" --task "make the pipeline faster" --image agent-sandbox/scripted-agent:demo \
  --command scripted-agent --bundle "$work/bundle-refused" --quiet
code=$?
set -e
echo "exit code $code (1 = gates failed); base branch untouched: $(git -C "$work/repo" rev-parse --short main)"
[ "$code" -eq 1 ] || { echo "demo: expected the policy to refuse that run" >&2; exit 1; }
say "demo done: bundles in $work"
