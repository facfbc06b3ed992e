#!/usr/bin/env bash
# gVisor as the RuntimeClass "gvisor" on a kind cluster's nodes (for .github/workflows/kubernetes.yml):
# runsc and its containerd shim from gVisor's release at the version install-gvisor.sh pins, their
# SHA-512 checked, copied into each node container, registered with containerd with networking
# off (network = "none": a sandbox pod has no interface besides lo) and gVisor's mount hints passed
# on (pod_annotations: the volume holding the model proxy's relayed socket is one tmpfs for the pod),
# then the RuntimeClass.
set -euo pipefail
CLUSTER="${1:-kind}"
VERSION="${AGENT_SANDBOX_GVISOR_VERSION:-$(sed -n 's/^VERSION="\${AGENT_SANDBOX_GVISOR_VERSION:-\(.*\)}"$/\1/p' "$(dirname "$0")/install-gvisor.sh")}"
URL="${AGENT_SANDBOX_GVISOR_URL:-$(sed -n 's/^URL="\${AGENT_SANDBOX_GVISOR_URL:-\(.*\)}"$/\1/p' "$(dirname "$0")/install-gvisor.sh")}"
log() { printf '[kind-gvisor] %s\n' "$*" >&2; }
die() { printf '[kind-gvisor] error: %s\n' "$*" >&2; exit 1; }
[ -n "$VERSION" ] && [ -n "$URL" ] || die "cannot read the pinned gVisor version from install-gvisor.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$URL/$VERSION/$(uname -m)"
for f in runsc containerd-shim-runsc-v1; do
  curl -fsSL --retry 3 -o "$work/$f" "$src/$f" || die "cannot download $src/$f"
  curl -fsSL --retry 3 -o "$work/$f.sha512" "$src/$f.sha512" || die "cannot download $src/$f.sha512"
  [ "$(sha512sum "$work/$f" | awk '{print $1}')" = "$(awk 'NR == 1 {print tolower($1)}' "$work/$f.sha512")" ] \
    || die "$f does not match its published SHA-512: refusing to install"
  chmod 0755 "$work/$f"
done
cat >"$work/runsc.toml" <<'TOML'
[runsc_config]
  network = "none"
TOML

for node in $(kind get nodes --name "$CLUSTER"); do
  log "installing gVisor $VERSION on $node"
  docker cp "$work/runsc" "$node:/usr/local/bin/runsc"
  docker cp "$work/containerd-shim-runsc-v1" "$node:/usr/local/bin/containerd-shim-runsc-v1"
  docker cp "$work/runsc.toml" "$node:/etc/containerd/runsc.toml"
  docker exec "$node" sh -c 'cat >> /etc/containerd/config.toml <<TOML

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]
  runtime_type = "io.containerd.runsc.v1"
  pod_annotations = ["dev.gvisor.*"]
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]
  TypeUrl = "io.containerd.runsc.v1.options"
  ConfigPath = "/etc/containerd/runsc.toml"
TOML
systemctl restart containerd'
done
kubectl apply -f - <<'YAML'
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: gvisor
handler: runsc
YAML
log "RuntimeClass gvisor (handler runsc) is ready"
