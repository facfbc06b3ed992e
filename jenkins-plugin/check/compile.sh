#!/usr/bin/env bash
# Compiles the Jenkins plugin's main and test sources against signature stubs transcribed from the
# real sources (see README.md for repos and tags), where Jenkins' own repository cannot be reached.
# Usage: compile.sh [PLUGIN_DIR] [OUT_DIR]. Never writes into PLUGIN_DIR. Third-party jars (not
# Jenkins') come from the local Maven repository, fetched from Maven Central when missing.
set -u
S=$(cd "$(dirname "$0")" && pwd)
PLUGIN=${1:-$S/..}
O=${2:-$(mktemp -d)}
M2=${MAVEN_REPO:-$HOME/.m2/repository}
jar() { # a jar from the local Maven repository, fetched from Maven Central (with its dependencies) when missing
  local f="$M2/$1"
  [ -f "$f" ] || mvn -q -B -ntp dependency:get -Dartifact="$2" >/dev/null 2>&1 || { echo "cannot fetch $2" >&2; exit 2; }
  [ -f "$f" ] || { echo "missing $f" >&2; exit 2; }; printf '%s' "$f"; }
LIBS=$(jar com/github/spotbugs/spotbugs-annotations/4.9.2/spotbugs-annotations-4.9.2.jar com.github.spotbugs:spotbugs-annotations:4.9.2)
LIBS=$LIBS:$(jar com/google/guava/guava/33.3.0-jre/guava-33.3.0-jre.jar com.google.guava:guava:33.3.0-jre)
LIBS=$LIBS:$(jar org/springframework/security/spring-security-core/6.3.4/spring-security-core-6.3.4.jar org.springframework.security:spring-security-core:6.3.4)
LIBS=$LIBS:$(jar com/google/code/findbugs/jsr305/3.0.2/jsr305-3.0.2.jar com.google.code.findbugs:jsr305:3.0.2)
LIBS=$LIBS:$(jar jakarta/servlet/jakarta.servlet-api/5.0.0/jakarta.servlet-api-5.0.0.jar jakarta.servlet:jakarta.servlet-api:5.0.0)
TLIBS=$(jar junit/junit/4.13.2/junit-4.13.2.jar junit:junit:4.13.2)
TLIBS=$TLIBS:$(jar org/hamcrest/hamcrest/3.0/hamcrest-3.0.jar org.hamcrest:hamcrest:3.0)
TLIBS=$TLIBS:$(jar org/htmlunit/htmlunit/4.10.0/htmlunit-4.10.0.jar org.htmlunit:htmlunit:4.10.0)
for d in $(find $M2/org/htmlunit -name '*.jar'); do TLIBS=$TLIBS:$d; done
mkdir -p "$O"/stubs "$O"/test-stubs "$O"/classes "$O"/test-classes
echo "== stubs (main API)"
javac -nowarn --release 17 -proc:none -d "$O/stubs" -cp "$LIBS" $(find "$S/stubs" -name '*.java') || { echo "STUBS DO NOT COMPILE"; exit 1; }
echo "== stubs (test API)"
javac -nowarn --release 17 -proc:none -d "$O/test-stubs" -cp "$O/stubs:$LIBS:$TLIBS" $(find "$S/test-stubs" -name '*.java') || { echo "TEST STUBS DO NOT COMPILE"; exit 1; }
echo "== plugin main sources"
if javac --release 17 -proc:none -parameters -Xlint:all -Xlint:-processing -d "$O/classes" -cp "$O/stubs:$LIBS" $(find "$PLUGIN/src/main/java" -name '*.java'); then
  echo "MAIN: compiles"; MAIN=0
else
  echo "MAIN: does not compile"; MAIN=1
fi
echo "== plugin test sources"
if javac --release 17 -proc:none -parameters -Xlint:all -Xlint:-processing -Xlint:-path -d "$O/test-classes" -cp "$O/classes:$O/stubs:$O/test-stubs:$LIBS:$TLIBS" $(find "$PLUGIN/src/test/java" -name '*.java'); then
  echo "TEST: compiles"; TEST=0
else
  echo "TEST: does not compile"; TEST=1
fi
echo "$O/stubs:$LIBS" > "$O/aux-classpath.txt"
echo "output: $O"
exit $((MAIN + TEST))
