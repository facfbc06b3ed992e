#!/usr/bin/env bash
# Runs the plugin's tests that need no Jenkins at run time (the stubs' bodies cannot run) over the
# classes compile.sh produced. Usage: unit.sh OUT_DIR. Exit 1 when a test fails.
set -u
O=${1:?OUT_DIR from compile.sh}
M2=${MAVEN_REPO:-$HOME/.m2/repository}
# Pure logic only: each listed class and what it reaches touch no Jenkins class when they run.
PURE="io.jenkins.plugins.agentsandbox.BallotTest io.jenkins.plugins.agentsandbox.ApprovalRefusalTest io.jenkins.plugins.agentsandbox.CliQuoteTest io.jenkins.plugins.agentsandbox.OrgPolicyTextTest io.jenkins.plugins.agentsandbox.CliJarPruneTest io.jenkins.plugins.agentsandbox.PrArgumentsTest"
# The stubs are on the class path only so that the classes load; their bodies are never called.
CP="$O/classes:$O/test-classes:$(cat "$O/aux-classpath.txt"):$M2/junit/junit/4.13.2/junit-4.13.2.jar:$M2/org/hamcrest/hamcrest/3.0/hamcrest-3.0.jar"
echo "== plugin unit tests without Jenkins: $PURE"
java -cp "$CP" org.junit.runner.JUnitCore $PURE || { echo "UNIT: failures"; exit 1; }
echo "UNIT: passed"
