#!/usr/bin/env bash
# The CLI jar's size, and what takes the room in it (compressed bytes by library), into bench/results-jar.md.
# Usage: bench/jar-size.sh   (builds target/agent-sandbox.jar when it is missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jar=$root/target/agent-sandbox.jar
[ -f "$jar" ] || mvn -B -q -o -DskipTests package
out=$root/bench/results-jar.md
{
  echo "# The CLI jar (bench/jar-size.sh)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD): **$(( $(stat -c %s "$jar") / 1000000 )) MB**, $(unzip -Z1 "$jar" | grep -c '\.class$') classes"
  echo
  echo "| package (three levels) | compressed MB |"
  echo "|---|---|"
  unzip -v "$jar" | awk 'NR>3 && $8 ~ /\// {n=split($8,a,"/"); k=a[1]; if (n>2) k=k"/"a[2]; if (n>3) k=k"/"a[3]; s[k]+=$3} END {for (k in s) printf "%d %s\n", s[k], k}' \
    | sort -rn | head -12 | awk '{printf "| %s | %.1f |\n", $2, $1/1000000}'
} >"$out"
cat "$out"
