#!/usr/bin/env python3
"""Generates a git repository of N small source files (100 a folder) and commits it."""
import os
import subprocess
import sys

root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(root, exist_ok=True)
for i in range(n):
    d = os.path.join(root, "src", "m%04d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d.py" % i), "w") as f:
        f.write("def f%d(x):\n    return x * %d + 1\n" % (i, i % 97))
with open(os.path.join(root, "requirements.txt"), "w") as f:
    f.write("requests==2.32.3\n")
env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@x")
subprocess.run(["git", "init", "-q", "-b", "main", root], check=True)
subprocess.run(["git", "-C", root, "add", "-A"], check=True)
subprocess.run(["git", "-C", root, "-c", "gc.auto=0", "commit", "-q", "-m", "generated"], check=True, env=env)
