#!/usr/bin/env bash
# The Kubernetes backend end to end on a kind cluster with gVisor (scripts/kind-gvisor.sh), as a
# CI job's service account with only docs/kubernetes/rbac.yaml: doctor, a run whose change becomes
# a feature branch, a hostile run refused, and nothing left in the namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR="$PWD/target/agent-sandbox.jar"
IMAGE="${AGENT_SANDBOX_TEST_IMAGE:-agent-sandbox/test-base:bookworm}"
NS=agent-sandbox-e2e
log() { printf '[kind-e2e] %s\n' "$*" >&2; }
die() { printf '[kind-e2e] FAIL: %s\n' "$*" >&2; exit 1; }

kind load docker-image "$IMAGE"
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$NS" apply -f docs/kubernetes/rbac.yaml
kubectl create clusterrolebinding agent-sandbox-runtimeclasses --clusterrole=agent-sandbox-runtimeclasses \
  --serviceaccount="$NS:agent-sandbox" --dry-run=client -o yaml | kubectl apply -f -

# A kubeconfig holding only the service account's token: the run has the documented rights, no more.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$work/ca.crt"
token=$(kubectl -n "$NS" create token agent-sandbox --duration=1h)
export KUBECONFIG="$work/sa.kubeconfig"
kubectl config set-cluster e2e --server="$server" --certificate-authority="$work/ca.crt" --embed-certs=true >/dev/null
kubectl config set-credentials sa --token="$token" >/dev/null
kubectl config set-context e2e --cluster=e2e --user=sa --namespace="$NS" >/dev/null
kubectl config use-context e2e >/dev/null
export AGENT_SANDBOX_BACKEND=kubernetes AGENT_SANDBOX_K8S_NAMESPACE="$NS" AGENT_SANDBOX_K8S_IMAGE_PULL_POLICY=Never

java -jar "$JAR" doctor --backend kubernetes --image "$IMAGE" || die "doctor"

repo="$work/repo"
mkdir -p "$repo" && cd "$repo"
git init -q -b main . && printf 'def add(a, b):\n    return a + b\n' >calc.py
# runsc's process trace is on the host, not reachable from a pod yet: the backend refuses a run that asks for it
printf 'version: 1\nsandbox:\n  process-log: false\n' >.agent-sandbox.yml
git add -A && git -c user.name=e2e -c user.email=e2e@example.invalid commit -q -m base
java -jar "$JAR" run --task "Add multiply" --image "$IMAGE" --bundle "$work/ok" \
  --command "printf 'def multiply(a, b):\n    return a * b\n' >> calc.py" || die "a clean run"
git rev-parse --verify -q "refs/heads/$(jq -r .featureBranch "$work/ok/run.json")" >/dev/null || die "no feature branch"
[ "$(jq -r .verdict "$work/ok/run.json")" = pass ] || die "verdict $(jq -r .verdict "$work/ok/run.json")"
log "a clean run in a gVisor pod became $(jq -r .featureBranch "$work/ok/run.json")"

set +e
java -jar "$JAR" run --task "Leak" --image "$IMAGE" --bundle "$work/leak" --command 'ln -s /etc/passwd leak.txt'
code=$?
set -e
[ "$code" -ne 0 ] || die "a symlink out of the workspace was accepted"
log "a link out of the workspace was refused (exit $code)"

left=$(kubectl get pods,networkpolicies -l dev.agentsandbox.managed=true -o name)
[ -z "$left" ] || die "left in the namespace: $left"
log "passed: nothing left in $NS"
