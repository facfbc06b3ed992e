#!/usr/bin/env bash
# The Kubernetes backend end to end on a kind cluster with gVisor (scripts/kind-gvisor.sh), as a
# CI job's service account with only docs/kubernetes/rbac.yaml: doctor, a run whose change becomes
# a feature branch, a model request through the relayed proxy socket, a run on a pod claimed from a
# kubernetes-sigs/agent-sandbox warm pool, a hostile run refused, and nothing left in the namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
JAR="$PWD/target/agent-sandbox.jar"
IMAGE="${AGENT_SANDBOX_TEST_IMAGE:-agent-sandbox/test-base:bookworm}"
NS=agent-sandbox-e2e
log() { printf '[kind-e2e] %s\n' "$*" >&2; }
die() { printf '[kind-e2e] FAIL: %s\n' "$*" >&2; exit 1; }

kind load docker-image "$IMAGE"
# kubernetes-sigs/agent-sandbox with its extensions, for the warm-pool run below (pinned; its manifest from the release)
SANDBOX_CONTROLLER="${AGENT_SANDBOX_E2E_CONTROLLER_VERSION:-v0.5.6}"
kubectl apply -f "https://github.com/kubernetes-sigs/agent-sandbox/releases/download/$SANDBOX_CONTROLLER/sandbox-with-extensions.yaml"
kubectl -n agent-sandbox-system rollout status deployment/agent-sandbox-controller --timeout=180s
kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$NS" apply -f docs/kubernetes/rbac.yaml
kubectl create clusterrolebinding agent-sandbox-runtimeclasses --clusterrole=agent-sandbox-runtimeclasses \
  --serviceaccount="$NS:agent-sandbox" --dry-run=client -o yaml | kubectl apply -f -
# The admission policy of deploy/kubernetes, bound to this namespace: every pod of the runs below (plain
# and warm) must pass the real API server's CEL evaluation of it, and a pod mounting a Secret must not.
work_vap=$(mktemp)
kubectl apply -f <(sed -n '1,/^---$/p' deploy/kubernetes/admission-policy.yaml | sed '$d')
cat <<YAML | kubectl apply -f -
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: agent-sandbox-hardened-pods-e2e}
spec:
  policyName: agent-sandbox-hardened-pods
  validationActions: ["Deny"]
  matchResources: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: $NS}}}
YAML
sleep 5 # the policy reaches the API server's admission chain asynchronously
if kubectl -n "$NS" run vap-probe --image="$IMAGE" --restart=Never --overrides='{"spec":{"volumes":[{"name":"s","secret":{"secretName":"x"}}]}}' \
  --command -- true 2>"$work_vap"; then die "the admission policy admitted a pod that mounts a Secret"; fi
grep -q "agent-sandbox-hardened-pods" "$work_vap" || die "the pod was refused, but not by the admission policy: $(cat "$work_vap")"

# A kubeconfig holding only the service account's token: the run has the documented rights, no more.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
admin_kubeconfig="$work/admin.kubeconfig"
kubectl config view --minify --raw >"$admin_kubeconfig"
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
# the agent of the model run below: one Messages API request through the proxy's base URL
cat >ask.py <<'PY'
import json, os, urllib.request
body = json.dumps({"model": "e2e", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}).encode()
req = urllib.request.Request(os.environ["ANTHROPIC_BASE_URL"] + "/v1/messages", data=body,
                             headers={"content-type": "application/json", "x-api-key": os.environ["ANTHROPIC_API_KEY"]})
open("answer.json", "w").write(urllib.request.urlopen(req).read().decode())
PY
git add -A && git -c user.name=e2e -c user.email=e2e@example.invalid commit -q -m base
java -jar "$JAR" run --task "Add multiply" --image "$IMAGE" --bundle "$work/ok" \
  --command "printf 'def multiply(a, b):\n    return a * b\n' >> calc.py" || die "a clean run"
git rev-parse --verify -q "refs/heads/$(jq -r .featureBranch "$work/ok/run.json")" >/dev/null || die "no feature branch"
[ "$(jq -r .verdict "$work/ok/run.json")" = pass ] || die "verdict $(jq -r .verdict "$work/ok/run.json")"
log "a clean run in a gVisor pod became $(jq -r .featureBranch "$work/ok/run.json")"

# The model proxy through the pod's relay: the agent's request reaches a stand-in model on this
# machine's loopback with the key injected on the host; the pod never holds the key.
key="sk-ant-api03-e2e$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s' "$key" >"$work/model.key"
python3 - "$work/model.port" "$work/model.keys" <<'PY' &
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        open(sys.argv[2], "a").write(self.headers.get("x-api-key", "") + "\n")
        body = json.dumps({"id": "msg_e2e", "type": "message", "role": "assistant", "model": "e2e",
                           "content": [{"type": "text", "text": "relayed"}], "stop_reason": "end_turn",
                           "usage": {"input_tokens": 1, "output_tokens": 1}}).encode()
        self.send_response(200); self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_port))
s.serve_forever()
PY
model_pid=$!
for _ in $(seq 50); do [ -s "$work/model.port" ] && break; sleep 0.1; done
java -jar "$JAR" run --task "Ask the model" --image "$IMAGE" --bundle "$work/model" \
  --model-provider anthropic --model-url "http://127.0.0.1:$(cat "$work/model.port")" --model-key-file "$work/model.key" \
  --command 'python3 ask.py' \
  || die "a run through the model proxy"
kill "$model_pid"
grep -qx "$key" "$work/model.keys" || die "the stand-in model did not get the injected key"
git show "$(jq -r .featureBranch "$work/model/run.json"):answer.json" | grep -q relayed || die "the model's answer did not reach the agent"
! grep -rqF "$key" "$work/model" || die "the key is in the bundle"
log "the agent reached the model through the pod's relay; the key stayed on the host"

# A warm pool of the hardened pod (kubernetes-template), claimed by a run; the pool is the operators',
# applied here with the cluster's admin rights, then used with the service account's.
java -jar "$JAR" kubernetes-template --image "$IMAGE" --name e2e-pool --replicas 1 --config .agent-sandbox.yml \
  | KUBECONFIG="$admin_kubeconfig" kubectl apply -f -
for _ in $(seq 90); do
  [ "$(KUBECONFIG="$admin_kubeconfig" kubectl -n "$NS" get sandboxwarmpool e2e-pool -o jsonpath='{.status.replicas}' 2>/dev/null)" = 1 ] && break
  sleep 2
done
AGENT_SANDBOX_K8S_WARM_POOL=e2e-pool java -jar "$JAR" doctor --backend kubernetes || die "doctor with the warm pool"
AGENT_SANDBOX_K8S_WARM_POOL=e2e-pool java -jar "$JAR" run --task "Add divide" --image "$IMAGE" --bundle "$work/warm" \
  --command "printf 'def divide(a, b):\n    return a / b\n' >> calc.py" || die "a run on a warm pod"
grep -q '"warmPool":"e2e-pool"' "$work/warm/audit.jsonl" || die "the run did not use the warm pool"
[ -z "$(kubectl get sandboxclaims -o name)" ] || die "claims left: $(kubectl get sandboxclaims -o name)"
log "a run on a claimed warm pod passed; its claim is gone"

set +e
java -jar "$JAR" run --task "Leak" --image "$IMAGE" --bundle "$work/leak" --command 'ln -s /etc/passwd leak.txt'
code=$?
set -e
[ "$code" -ne 0 ] || die "a symlink out of the workspace was accepted"
log "a link out of the workspace was refused (exit $code)"

left=$(kubectl get pods,networkpolicies -l dev.agentsandbox.managed=true -o name)
[ -z "$left" ] || die "left in the namespace: $left"
log "passed: nothing left in $NS"
