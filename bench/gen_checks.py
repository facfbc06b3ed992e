#!/usr/bin/env python3
"""Generates three small real-project test suites whose tests do what unit tests do (create, write,
read, stat and delete files in temp folders), for bench/checks.sh:
  python/  3,000 unittest tests (python3 -m unittest)
  npm/     1,000 node:test tests (npm test -> node --test)
  maven/   300 JUnit 5 tests (mvn -o test)
Usage: gen_checks.py DIR"""
import os
import sys

root = sys.argv[1]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


for m in range(30):
    body = ["import os, tempfile, unittest\n\nclass T%02d(unittest.TestCase):\n" % m]
    for t in range(100):
        body.append(
            "    def test_%03d(self):\n"
            "        with tempfile.TemporaryDirectory() as d:\n"
            "            p = os.path.join(d, 'f.txt')\n"
            "            with open(p, 'w') as f:\n"
            "                f.write('x' * %d)\n"
            "            self.assertEqual(os.stat(p).st_size, %d)\n"
            "            with open(p) as f:\n"
            "                self.assertEqual(len(f.read()), %d)\n" % (t, t + 1, t + 1, t + 1))
    write(os.path.join(root, "python", "test_m%02d.py" % m), "".join(body))

write(os.path.join(root, "npm", "package.json"), '{"name": "bench-checks", "version": "1.0.0", "private": true, "scripts": {"test": "node --test test/"}}\n')
for m in range(10):
    body = ["const test = require('node:test');\nconst assert = require('node:assert');\nconst fs = require('node:fs');\n"
            "const os = require('node:os');\nconst path = require('node:path');\n"]
    for t in range(100):
        body.append(
            "test('t%d_%d', () => {\n"
            "  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'b'));\n"
            "  const p = path.join(d, 'f.txt');\n"
            "  fs.writeFileSync(p, 'x'.repeat(%d));\n"
            "  assert.strictEqual(fs.statSync(p).size, %d);\n"
            "  assert.strictEqual(fs.readFileSync(p, 'utf8').length, %d);\n"
            "  fs.rmSync(d, { recursive: true });\n"
            "});\n" % (m, t, t + 1, t + 1, t + 1))
    write(os.path.join(root, "npm", "test", "m%02d.test.js" % m), "".join(body))

write(os.path.join(root, "maven", "pom.xml"), """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>bench</groupId><artifactId>checks</artifactId><version>1</version>
  <properties><maven.compiler.release>17</maven.compiler.release><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
  <dependencies>
    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><version>5.11.4</version><scope>test</scope></dependency>
  </dependencies>
  <build><plugins>
    <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
    <plugin><artifactId>maven-surefire-plugin</artifactId><version>3.5.2</version></plugin>
    <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
  </plugins></build>
</project>
""")
for m in range(3):
    body = ["package bench;\n\nimport static org.junit.jupiter.api.Assertions.assertEquals;\n"
            "import java.nio.file.*;\nimport org.junit.jupiter.api.Test;\nimport org.junit.jupiter.api.io.TempDir;\n\n"
            "class M%dTest {\n    @TempDir Path d;\n" % m]
    for t in range(100):
        body.append(
            "    @Test void t%d() throws Exception {\n"
            "        Path p = Files.writeString(d.resolve(\"f%d.txt\"), \"x\".repeat(%d));\n"
            "        assertEquals(%d, Files.size(p));\n"
            "        assertEquals(%d, Files.readString(p).length());\n"
            "    }\n" % (t, t, t + 1, t + 1, t + 1))
    body.append("}\n")
    write(os.path.join(root, "maven", "src", "test", "java", "bench", "M%dTest.java" % m), "".join(body))
