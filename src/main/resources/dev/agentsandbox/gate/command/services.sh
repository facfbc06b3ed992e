# A check's sandbox: each service is at its loopback address and ports (the names are in
# /etc/hosts), bridged to the socket its own sandbox serves. AGENT_SANDBOX_SERVICES holds
# ADDRESS:PORT:SOCKET entries. Arguments: the check's command.
for s in $AGENT_SANDBOX_SERVICES; do
  addr=${s%%:*}; rest=${s#*:}; port=${rest%%:*}; sock=${rest#*:}
  if command -v socat >/dev/null 2>&1; then
    socat "TCP-LISTEN:$port,bind=$addr,fork,reuseaddr" "UNIX-CONNECT:$sock" &
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c '@RELAY@' tcp "$addr" "$port" "$sock" &
  else
    echo 'agent-sandbox: the check image has neither socat nor python3 to reach its services' >&2; exit 97
  fi
done
# Wait (up to 10 s) until every bridge listens, so that the check's first connection finds it.
hexaddr() { printf '%02X%02X%02X%02X' "$4" "$3" "$2" "$1"; } # /proc/net/tcp's little-endian address
if [ -r /proc/net/tcp ] && command -v grep >/dev/null 2>&1; then
  for s in $AGENT_SANDBOX_SERVICES; do
    addr=${s%%:*}; rest=${s#*:}; port=${rest%%:*}
    IFS=.; hex=$(hexaddr $addr); unset IFS
    listen=$(printf '%s:%04X 00000000:0000 0A' "$hex" "$port")
    i=0
    while ! grep -q "$listen" /proc/net/tcp; do
      i=$((i + 1)); [ $i -gt 200 ] && { echo "agent-sandbox: the bridge to $addr:$port did not start" >&2; exit 97; }
      sleep 0.05
    done
  done
else
  sleep 1
fi
exec "$@"
