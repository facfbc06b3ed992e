sock=/run/agent-sandbox/@SOCKET@
# On Kubernetes a relay binds the socket just after the pod starts: wait (up to 30 s) until it is there.
i=0
while [ ! -S "$sock" ]; do
  i=$((i + 1)); [ $i -gt 600 ] && { echo 'agent-sandbox: the model proxy socket is not in the sandbox (on Kubernetes with gVisor, containerd must pass dev.gvisor.* pod annotations to runsc: see docs/kubernetes.md)' >&2; exit 97; }
  sleep 0.05
done
if command -v socat >/dev/null 2>&1; then
  socat TCP-LISTEN:@PORT@,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:$sock &
elif command -v python3 >/dev/null 2>&1; then
  python3 -c '@RELAY@' tcp 127.0.0.1 @PORT@ "$sock" &
else
  echo 'agent-sandbox: the image has neither socat nor python3 to bridge to the model proxy' >&2; exit 97
fi
# Wait (up to 10 s) until the bridge listens, so that the agent's first request finds it.
listen=$(printf ':%04X 00000000:0000 0A' @PORT@)
if [ -r /proc/net/tcp ] && command -v grep >/dev/null 2>&1; then
  i=0
  while ! grep -q "$listen" /proc/net/tcp; do
    i=$((i + 1)); [ $i -gt 200 ] && { echo 'agent-sandbox: the bridge to the model proxy did not start' >&2; exit 97; }
    sleep 0.05
  done
else
  sleep 1
fi
exec "$@"
