#!/bin/bash
# Claude Code PreToolUse hook: relays the tool call to agent-sandbox's checkpoint API
# ($AGENT_SANDBOX_URL, with `checkpoints: { enabled: true }`), which decides on the host whether a
# person must answer (`agent-sandbox checkpoint list|approve|reject --run BUNDLE ...`).
# Claude Code blocks the tool only on exit 2 and runs it on any other failure, so every way this
# script can end, but an approval, is exit 2. It needs bash alone (no node, curl or python), and
# managed-settings.json calls it as `... || exit 2`, so even a missing bash blocks.
LC_ALL=C # ${#var} counts bytes
block() { printf '%s\n' "$1" >&2; exit 2; }
trap 'block "The checkpoint hook failed: do not run this command."' ERR
event=''
while IFS= read -r -d '' -n 65536 chunk || [[ -n $chunk ]]; do event+=$chunk; [[ ${#event} -le 1048576 ]] || block "The tool call is too large to ask about: do not run it."; done
[[ ${AGENT_SANDBOX_URL:-} =~ ^http://([A-Za-z0-9.-]+):([0-9]+)(/[A-Za-z0-9._/-]*)?$ ]] \
  || block "This command may need a person's approval and no checkpoint API is available: do not run it."
host=${BASH_REMATCH[1]} port=${BASH_REMATCH[2]} path=${BASH_REMATCH[3]}
exec 3<>"/dev/tcp/$host/$port" || block "The checkpoint API cannot be reached: do not run this command."
printf 'POST %s/v1/checkpoints HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
  "$path" "$host" "$port" "${#event}" "$event" >&3
answer=''
while IFS= read -r -u 3 line || [[ -n $line ]]; do answer+=$line$'\n'; done
[[ $answer == 'HTTP/1.1 200 '* && $answer == *'"decision":"approved"'* ]] && exit 0
comment=${answer##*\"comment\":\"}
[[ $comment == "$answer" ]] && comment=${answer##*\"error\":\"}
[[ $comment == "$answer" ]] && comment='no answer'
block "A person did not approve this command (${comment%%\"*}). Do not run it; find another way, or stop."
