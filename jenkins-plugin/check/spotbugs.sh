#!/usr/bin/env bash
# SpotBugs 4.9.2 (the version plugin-pom 5.9's spotbugs-maven-plugin 4.9.2.0 runs) over the classes
# compile.sh produced, with the parent's omitVisitors, at its threshold (medium, effort default), as
# the plugin's own build would fail on it. Exit 1 on any finding. Usage: spotbugs.sh OUT_DIR
set -u
O=${1:?OUT_DIR from compile.sh}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cat > "$W/pom.xml" <<'P'
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>x</groupId><artifactId>sb</artifactId><version>1</version>
<dependencies><dependency><groupId>com.github.spotbugs</groupId><artifactId>spotbugs</artifactId><version>4.9.2</version></dependency></dependencies></project>
P
(cd "$W" && mvn -B -ntp -q dependency:build-classpath -Dmdep.outputFile=cp.txt) || { echo "cannot resolve SpotBugs 4.9.2" >&2; exit 2; }
OMIT=ConstructorThrow,FindReturnRef,MultipleInstantiationsOfSingletons,SharedVariableAtomicityDetector,ThrowingExceptions
echo "== SpotBugs 4.9.2, effort default, threshold medium"
java -cp "$(cat "$W/cp.txt")" edu.umd.cs.findbugs.FindBugs2 -effort:default -medium -omitVisitors $OMIT -exitcode \
     -auxclasspath "$(cat "$O/aux-classpath.txt")" "$O/classes" > "$W/out" 2>&1
code=$?
grep -v '^SLF4J' "$W/out"
# -exitcode (SpotBugs' ExitCodes): bit 0 bugs found, bit 1 missing classes, bit 2 an analysis error
[ $((code & 1)) -eq 0 ] || { echo "SPOTBUGS: findings at the parent's threshold"; exit 1; }
[ $((code & 6)) -eq 0 ] || { echo "SPOTBUGS: the analysis failed or missed classes (exit $code)"; exit 2; }
echo "SPOTBUGS: no findings"
