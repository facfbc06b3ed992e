package io.jenkins.plugins.agentsandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The CLI cache on a node keeps the current version and whatever was used within the week; it
 * deletes nothing it did not write. Needs no Jenkins: check/unit.sh runs it in every CI run.
 */
public class CliJarPruneTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static final String CURRENT = "a".repeat(64);
    private static final String OLD = "b".repeat(64);
    private static final String RECENT = "c".repeat(64);

    private File file(File dir, String name, long ageMs) throws Exception {
        File f = new File(dir, name);
        Files.writeString(f.toPath(), "x");
        f.setLastModified(System.currentTimeMillis() - ageMs);
        return f;
    }

    @Test
    public void onlyOldCopiesOfOtherVersionsAndStalePartsGo() throws Exception {
        File dir = tmp.newFolder("cache");
        long week = CliJar.PRUNE_AFTER_MS;
        file(dir, CURRENT + ".jar", 2 * week);
        file(dir, OLD + ".jar", 2 * week);
        file(dir, RECENT + ".jar", week / 7);
        file(dir, OLD + ".jar.writer-1.part", 2 * week);
        file(dir, "notes.txt", 2 * week);
        file(dir, "OLD.jar", 2 * week);
        File elsewhere = file(tmp.getRoot(), "precious", 2 * week);
        Files.createSymbolicLink(dir.toPath().resolve("d".repeat(64) + ".jar"), elsewhere.toPath());
        new File(dir, "d".repeat(64) + ".jar").setLastModified(0);

        List<String> deleted = new CliJar.Prune(CURRENT, System.currentTimeMillis() - week).invoke(dir, null);
        assertThat(deleted, containsInAnyOrder(OLD + ".jar", OLD + ".jar.writer-1.part"));
        assertThat(new File(dir, CURRENT + ".jar").exists(), equalTo(true));
        assertThat(new File(dir, RECENT + ".jar").exists(), equalTo(true));
        assertThat(new File(dir, "notes.txt").exists(), equalTo(true));
        assertThat(elsewhere.exists(), equalTo(true));
        assertThat(Files.isSymbolicLink(Path.of(dir.getPath(), "d".repeat(64) + ".jar")), equalTo(true));
    }
}
