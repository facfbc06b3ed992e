#!/usr/bin/env node
// Claude Code PreToolUse hook: before a dangerous shell command, ask a person through agent-sandbox's
// checkpoint API ($AGENT_SANDBOX_URL, with `checkpoints: { enabled: true }` in .agent-sandbox.yml).
// The person answers on the host: `agent-sandbox checkpoint list|approve|reject --run BUNDLE ...`.
// Exit 0 lets the tool run; exit 2 blocks it and tells Claude why (Claude Code's hook contract).
const DANGER = /\b(rm\s+-[a-z]*r[a-z]*f|git\s+push|curl|wget|nc|ssh|scp|chmod\s+(-R\s+)?777|dd\s+if=|mkfs|shred|DROP\s+(TABLE|DATABASE)|terraform\s+(apply|destroy)|kubectl\s+(apply|delete)|npm\s+publish|pip\s+install|npm\s+install)\b/i;

let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', async () => {
  let event = {};
  try { event = JSON.parse(input || '{}'); } catch { process.exit(0); }
  const command = (event.tool_input && event.tool_input.command) || '';
  if (event.tool_name !== 'Bash' || !DANGER.test(command)) process.exit(0);
  if (!process.env.AGENT_SANDBOX_URL) {
    process.stderr.write('This command needs a person\'s approval and no checkpoint API is available: do not run it.');
    process.exit(2); // fail closed
  }
  try {
    const res = await fetch(process.env.AGENT_SANDBOX_URL + '/v1/checkpoints', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: command, risk: 'high', detail: 'Claude Code wants to run this shell command: ' + (event.tool_input.description || '') }),
    });
    const answer = await res.json();
    if (answer.decision === 'approved') process.exit(0);
    process.stderr.write('A person rejected this command' + (answer.comment ? ': ' + answer.comment : '') + '. Do not run it; find another way, or stop.');
  } catch (e) {
    process.stderr.write('The checkpoint could not be asked (' + e.message + '): do not run this command.');
  }
  process.exit(2);
});
