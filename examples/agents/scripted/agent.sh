#!/bin/sh
# A scripted "agent" for the demo and the tests: it reads the task and makes the edit a model
# would. It behaves like a real agent CLI inside the sandbox: it only sees /workspace, the task
# in $AGENT_TASK (and /run/agent-sandbox/task.md), and has no network and no credentials.
set -eu
echo "agent: task: ${AGENT_TASK}"
case "${AGENT_TASK}" in
  *multiply*)
    cat >>calc.py <<'PY'


def multiply(a, b):
    return a * b
PY
    python3 - <<'PY'
import re
p = "tests/test_calc.py"
s = open(p).read()
s = s.replace("\n\nif __name__", "\n    def test_multiply(self):\n        self.assertEqual(calc.multiply(4, 3), 12)\n\n\nif __name__", 1)
open(p, "w").write(s)
PY
    echo "agent: added multiply() and its test"
    ;;
  *break*)
    sed -i 's/return a + b/return a - b/' calc.py
    echo "agent: changed add() (wrongly)"
    ;;
  *pipeline*)
    echo "      - run: echo skipped" >>.github/workflows/ci.yml
    echo "agent: edited the CI workflow"
    ;;
  *)
    echo "# ${AGENT_TASK}" >>NOTES.md
    echo "agent: wrote NOTES.md"
    ;;
esac
