package dev.agentsandbox.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The overlay workspace reads the change from the upper layer only; a private copy compares the
 * whole tree. Both must commit exactly the same tree and refuse exactly the same files, for every
 * kind of edit, and the shared export under the overlay must come out of every run unchanged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OverlayWorkspaceIT {
    Path tmp;
    SampleRepo repo;
    Path noChecks;
    int runs;

    @BeforeAll
    void setUp(@TempDir Path dir) throws Exception {
        tmp = dir;
        repo = SampleRepo.create(tmp);
        noChecks = Files.writeString(tmp.resolve("no-checks.yml"), "agent: { identity: { name: A, email: a@x.invalid } }\n");
        Path d = repo.dir;
        Files.createDirectories(d.resolve("lib/a"));
        Files.createDirectories(d.resolve("lib/b/deep"));
        Files.createDirectories(d.resolve("docs"));
        Files.createDirectories(d.resolve("tools"));
        Files.writeString(d.resolve("lib/a/x.txt"), "x\n");
        Files.writeString(d.resolve("lib/a/y.txt"), "y\n");
        Files.writeString(d.resolve("lib/b/deep/z.txt"), "z\n");
        Files.writeString(d.resolve("docs/readme.md"), "# docs\n");
        Files.writeString(d.resolve("tools/run.sh"), "#!/bin/sh\necho run\n");
        Files.setPosixFilePermissions(d.resolve("tools/run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(d.resolve("tools/link"), Path.of("run.sh"));
        try (Git git = Git.open(d.toFile())) {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("more files").setAuthor("Dev", "dev@example.invalid").setCommitter("Dev", "dev@example.invalid")
                    .setSign(false).call();
        }
    }

    static Stream<Arguments> edits() {
        return Stream.of(
                Arguments.of("modify and add", "echo more >> calc.py; mkdir -p new/deep && echo n > new/deep/f.txt"),
                Arguments.of("delete a file and a folder", "rm lib/a/x.txt; rm -r lib/b"),
                Arguments.of("a folder becomes a file", "rm -r lib/a && echo file > lib/a"),
                Arguments.of("a file becomes a folder", "rm docs/readme.md && mkdir docs/readme.md && echo in > docs/readme.md/x"),
                Arguments.of("a folder recreated with other files", "rm -r lib/a && mkdir lib/a && echo new > lib/a/new.txt"),
                Arguments.of("a folder renamed", "mv lib lib2"),
                Arguments.of("a folder moved away and made again", "mv lib/b/deep lib/deep2; rm lib/a/y.txt;"
                        + " mkdir -p lib/b/deep && echo back > lib/b/deep/z.txt && echo extra > lib/b/deep/w.txt"),
                Arguments.of("a file deleted and written again", "rm calc.py && echo new > calc.py"),
                Arguments.of("modes", "chmod +x calc.py; chmod -x tools/run.sh"),
                Arguments.of("touched and rewritten identically", "touch calc.py; cp -r lib /tmp/l && rm -r lib && cp -r /tmp/l lib;"
                        + " cat calc.py > /tmp/c && cat /tmp/c > calc.py"),
                Arguments.of("symlinks", "ln -s calc.py link.py; rm tools/link && ln -s ../calc.py tools/link"),
                Arguments.of("a hard link", "ln calc.py hard.py"),
                Arguments.of("everything deleted", "rm -r ./*"),
                Arguments.of("refused files", "ln -s /etc/passwd leak; cp calc.py s.py && chmod 4755 s.py; echo ok > fine.txt"),
                Arguments.of("git metadata", "mkdir -p lib/.git && echo '[core]' > lib/.git/config"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("edits")
    void theOverlayCommitsAndRefusesExactlyWhatACopyDoes(String name, String script) throws Exception {
        Outcome copy = run(script, "copy");
        Outcome overlay = run(script, "overlay");
        assertThat(overlay.audit).contains("/workspace:rw:overlay");
        assertThat(copy.audit).doesNotContain(":overlay");
        assertThat(overlay.exitCode).as(overlay.cli).isEqualTo(copy.exitCode);
        assertThat(overlay.refusals).isEqualTo(copy.refusals);
        assertThat(overlay.tree).as("the committed tree").isEqualTo(copy.tree);
        assertThat(overlay.files).isEqualTo(copy.files);
        assertThat(copy.agent).as("the agent's own commands worked: " + copy.cli).isEqualTo("pass");
        assertThat(overlay.agent).as(overlay.cli).isEqualTo("pass");
    }

    /** Lists the check's /workspace: every folder, file (with its content hash and x bit) and symlink. */
    static final String VIEW = "find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r f; do"
            + " if [ -L \"$f\" ]; then echo \"$f link $(readlink \"$f\")\"; elif [ -d \"$f\" ]; then echo \"$f dir\";"
            + " elif [ -x \"$f\" ]; then echo \"$f exec $(sha256sum < \"$f\" | cut -c1-64)\";"
            + " else echo \"$f file $(sha256sum < \"$f\" | cut -c1-64)\"; fi; done";

    @ParameterizedTest(name = "{0}")
    @MethodSource("edits")
    void theChecksSeeExactlyTheCommittedTreeInBothKindsOfWorkspace(String name, String script) throws Exception {
        Path config = tmp.resolve("view-check.yml");
        if (!Files.exists(config)) {
            Files.writeString(config, new ObjectMapper().writeValueAsString(Map.of(
                    "agent", Map.of("identity", Map.of("name", "A", "email", "a@x.invalid")),
                    "checks", Map.of("view", Map.of("command", List.of("sh", "-c", VIEW))))));
        }
        Outcome copy = run(script, "copy", config);
        Outcome overlay = run(script, "overlay", config); // as root: deletions are whiteouts in the head layer
        Outcome opaque;
        System.setProperty("agentsandbox.whiteouts", "false"); // as without root: opaque folders, or the whole tree
        try {
            opaque = run(script, "overlay", config);
        } finally {
            System.clearProperty("agentsandbox.whiteouts");
        }
        assertThat(overlay.view).as(overlay.cli).isEqualTo(copy.view);
        assertThat(opaque.view).as(opaque.cli).isEqualTo(copy.view);
        if (copy.refusals.isEmpty()) {
            ObjectId seen = copy.tree != null ? copy.tree : tree(repo.head("main"));
            assertThat(copy.view).as("what the check saw: " + copy.cli).isEqualTo(expectedView(seen));
        } else {
            assertThat(copy.view).as("no check runs on a refused change").isNull();
        }
    }

    List<String> expectedView(ObjectId tree) throws Exception {
        Map<String, String> lines = new TreeMap<>();
        try (Repository r = Git.open(repo.dir.toFile()).getRepository(); TreeWalk tw = new TreeWalk(r)) {
            tw.addTree(tree);
            tw.setRecursive(true);
            while (tw.next()) {
                String path = "./" + tw.getPathString();
                byte[] content = r.open(tw.getObjectId(0)).getBytes();
                int mode = tw.getFileMode(0).getBits();
                lines.put(path, path + (mode == 0120000 ? " link " + new String(content, java.nio.charset.StandardCharsets.UTF_8)
                        : (mode == 0100755 ? " exec " : " file ") + java.util.HexFormat.of().formatHex(
                                java.security.MessageDigest.getInstance("SHA-256").digest(content))));
                for (int i = path.indexOf('/', 2); i > 0; i = path.indexOf('/', i + 1)) {
                    lines.put(path.substring(0, i), path.substring(0, i) + " dir");
                }
            }
        }
        return new ArrayList<>(lines.values());
    }

    ObjectId tree(ObjectId commit) throws Exception {
        try (Repository r = Git.open(repo.dir.toFile()).getRepository(); RevWalk rw = new RevWalk(r)) {
            return rw.parseCommit(commit).getTree().copy();
        }
    }

    @Test
    void editsThatChangeSomethingAreSeenAtAll() throws Exception {
        // Guards the comparison above: identical outcomes must not come from both seeing nothing.
        Outcome o = run("rm -r lib/b; echo more >> calc.py; rm -r lib/a && echo file > lib/a; chmod -x tools/run.sh", "overlay");
        assertThat(o.files).as(o.cli).containsExactlyInAnyOrder("DELETED lib/b/deep/z.txt", "MODIFIED calc.py", "DELETED lib/a/x.txt",
                "DELETED lib/a/y.txt", "ADDED lib/a", "MODIFIED tools/run.sh");
        Outcome none = run("touch calc.py; cat calc.py > /tmp/c && cat /tmp/c > calc.py", "overlay");
        assertThat(none.files).isEmpty();
        assertThat(none.tree).isNull();
        // (gVisor keeps FIFOs inside the sandbox: the host never sees one, in either kind of workspace.)
        Outcome refused = run("ln -s /etc/passwd leak; cp calc.py s.py && chmod 4755 s.py; mkdir -p lib/.git && echo x > lib/.git/config",
                "overlay");
        assertThat(refused.refusals).containsExactly("git-metadata lib/.git", "setuid s.py", "symlink-escape leak");
        assertThat(refused.tree).isNull();
    }

    @Test
    void theSharedExportUnderTheOverlayIsNeverChangedByARun() throws Exception {
        run("echo poison >> calc.py; rm -r lib; chmod 777 tools/run.sh; echo new > docs/new.md; rm tools/link", "overlay");
        ObjectId base = repo.head("main");
        Map<String, String> expected = new TreeMap<>();
        ObjectId tree;
        try (Git git = Git.open(repo.dir.toFile()); RevWalk rw = new RevWalk(git.getRepository());
             TreeWalk tw = new TreeWalk(git.getRepository())) {
            tree = rw.parseCommit(base).getTree();
            tw.addTree(tree);
            tw.setRecursive(true);
            while (tw.next()) {
                expected.put(tw.getPathString(), tw.getObjectId(0).name() + " " + Integer.toOctalString(tw.getFileMode(0).getBits()));
            }
        }
        Path export = dev.agentsandbox.workspace.ScratchArea.of(System.getenv()).exports(java.time.Clock.systemUTC()).folder(tree);
        assertThat(export).isDirectory();
        Map<String, String> actual = new TreeMap<>();
        try (Stream<Path> all = Files.walk(export); ObjectInserter.Formatter f = new ObjectInserter.Formatter()) {
            for (Path p : all.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                boolean link = Files.isSymbolicLink(p);
                byte[] content = link ? Files.readSymbolicLink(p).toString().getBytes() : Files.readAllBytes(p);
                String mode = link ? "120000" : Files.isExecutable(p) ? "100755" : "100644";
                actual.put(export.relativize(p).toString(), f.idFor(Constants.OBJ_BLOB, content).name() + " " + mode);
            }
        }
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void runsStartedTogetherOnANewBaseExportItOnceAndAllFinish() throws Exception {
        repo.commitFile("NEW_BASE.md", "a base no run has seen: " + System.nanoTime() + "\n", "new base");
        List<java.util.concurrent.CompletableFuture<Cli>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int n = i;
            runs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> Cli.run("run", "--repo", repo.dir.toString(),
                    "--task", "together " + n, "--image", TestHost.IMAGE, "--command", "echo " + n + " > T" + n + ".md",
                    "--config", noChecks.toString(), "--bundle", tmp.resolve("together-" + n).toString(), "--workspace", "overlay"),
                    java.util.concurrent.Executors.newCachedThreadPool()));
        }
        int exported = 0;
        for (var f : runs) {
            Cli c = f.get(3, java.util.concurrent.TimeUnit.MINUTES);
            assertThat(c.exitCode).as(c.toString()).isZero();
            exported += c.out.contains("exported tree") ? 1 : 0;
        }
        assertThat(exported).as("runs that wrote the export").isEqualTo(1);
    }

    record Outcome(int exitCode, String cli, String agent, List<String> refusals, ObjectId tree, List<String> files, String audit,
                   List<String> view) {
    }

    Outcome run(String script, String workspace) throws Exception {
        return run(script, workspace, noChecks);
    }

    Outcome run(String script, String workspace, Path config) throws Exception {
        Path bundle = tmp.resolve("bundle-" + (++runs));
        Cli c = Cli.run("run", "--repo", repo.dir.toString(), "--task", "edit " + runs, "--image", TestHost.IMAGE,
                "--command", script, "--config", config.toString(), "--bundle", bundle.toString(), "--workspace", workspace);
        ObjectMapper json = new ObjectMapper();
        List<String> refusals = new ArrayList<>();
        String agent = null;
        for (JsonNode g : json.readTree(bundle.resolve("gates.json").toFile())) {
            if (g.get("gate").asText().equals("agent")) {
                agent = g.get("verdict").asText();
            }
            if (g.get("gate").asText().equals("collect")) {
                g.get("findings").forEach(f -> refusals.add(f.get("rule").asText() + " " + f.get("path").asText()));
            }
        }
        refusals.sort(null);
        JsonNode run = json.readTree(bundle.resolve("run.json").toFile());
        ObjectId tree = null;
        List<String> files = new ArrayList<>();
        if (!run.get("headCommit").isNull()) {
            try (Repository r = Git.open(repo.dir.toFile()).getRepository(); RevWalk rw = new RevWalk(r)) {
                tree = rw.parseCommit(ObjectId.fromString(run.get("headCommit").asText())).getTree().copy();
            }
            for (String line : Files.readAllLines(bundle.resolve("audit.jsonl"))) {
                JsonNode rec = json.readTree(line);
                if (rec.path("event").asText().equals("commit")) {
                    rec.path("data").path("files").forEach(f -> files.add(f.asText()));
                }
            }
        }
        Path view = bundle.resolve("reports/checks/view.log");
        return new Outcome(c.exitCode, c.toString(), agent, refusals, tree, new ArrayList<>(new TreeSet<>(files)),
                Files.readString(bundle.resolve("audit.jsonl")), Files.exists(view) ? Files.readAllLines(view) : null);
    }
}
