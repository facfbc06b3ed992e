# A service's sandbox: run the service, wait until it is ready, then serve each of its ports on a
# socket in the folder the check's sandbox mounts (the only way between the two: neither has a
# network), and mark the folder ready. Arguments: the service's command.
dir=/run/agent-sandbox-service
"$@" &
svc=$!
listening() {
  for p in $AGENT_SANDBOX_SERVICE_PORTS; do
    hex=$(printf '%04X' "$p")
    grep -q ":$hex 00000000:0000 0A" /proc/net/tcp 2>/dev/null \
      || grep -q ":$hex 00000000000000000000000000000000:0000 0A" /proc/net/tcp6 2>/dev/null || return 1
  done
}
ready() { listening && { [ -z "$AGENT_SANDBOX_SERVICE_HEALTH" ] || sh -c "$AGENT_SANDBOX_SERVICE_HEALTH" >/dev/null 2>&1; }; }
until ready; do
  if ! kill -0 "$svc" 2>/dev/null; then
    wait "$svc"; echo "agent-sandbox: the service ended with status $? before it was ready" >&2; exit 98
  fi
  sleep 0.2
done
for p in $AGENT_SANDBOX_SERVICE_PORTS; do
  if command -v socat >/dev/null 2>&1; then
    socat "UNIX-LISTEN:$dir/$p.sock,fork" "TCP:127.0.0.1:$p" &
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c '@RELAY@' unix "$dir/$p.sock" "$p" &
  else
    echo 'agent-sandbox: the service image has neither socat nor python3 to serve its ports to the check' >&2; kill "$svc"; exit 97
  fi
done
i=0
for p in $AGENT_SANDBOX_SERVICE_PORTS; do
  while [ ! -S "$dir/$p.sock" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && { echo 'agent-sandbox: the sockets to the check did not open' >&2; kill "$svc"; exit 97; }
    sleep 0.05
  done
done
sleep 0.1 # a socket's file exists from bind(), before listen()
: >"$dir/ready"
wait "$svc"
# a service ends only when stopped: its own ending is reported, never passed on as the sandbox's status
echo "agent-sandbox: the service ended on its own (status $?)" >&2
exit 99
