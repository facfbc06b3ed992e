package dev.agentsandbox.review;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import dev.agentsandbox.testing.SampleRepo;
import dev.agentsandbox.testing.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hidden code the review found passing: a Hangul filler (U+3164) as a Python parameter handed to
 * os.system, other default-ignorable characters, and CALC.py beside calc.py (one replaces the other
 * on Windows and macOS checkouts). Each is now found, through the CLI.
 */
class HiddenCodeIT {
    @TempDir
    Path tmp;

    Cli run(String name, String script) throws Exception {
        SampleRepo repo = SampleRepo.create(tmp.resolve(name));
        return Cli.run("run", "--repo", repo.dir.toString(), "--task", "add a helper", "--image", TestHost.IMAGE, "--command", script,
                "--bundle", tmp.resolve(name + "-bundle").toString(), "--quiet");
    }

    @Test
    void aHangulFillerAndOtherIgnorablesAreMarked() throws Exception {
        // def run(ㅤ): os.system(ㅤ)  with U+3164, then U+115F, U+2061 and a variation selector in a comment
        Cli r = run("filler", "printf 'import os\\n\\ndef run(\\343\\205\\244):\\n    os.system(\\343\\205\\244)\\n# \\341\\205\\237\\n# \\342\\201\\241\\n# x\\357\\270\\217\\n' > helper.py");
        assertThat(r.exitCode).as(r.toString()).isZero();
        String gates = Files.readString(tmp.resolve("filler-bundle/gates.json"));
        assertThat(gates).contains("invisible-character").contains("U+3164").contains("U+115F").contains("U+2061").contains("U+FE0F");
        assertThat(Files.readString(tmp.resolve("filler-bundle/reports/review.html"))).contains("U+3164");
    }

    @Test
    void namesThatCollideOnCaseInsensitiveCheckoutsAreRefused() throws Exception {
        Cli r = run("case", "printf 'def evil():\\n    pass\\n' > CALC.py");
        assertThat(r.exitCode).as(r.toString()).isEqualTo(1);
        assertThat(Files.readString(tmp.resolve("case-bundle/gates.json"))).contains("name-collision").contains("calc.py and CALC.py are one name");
    }
}
