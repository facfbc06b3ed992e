package dev.agentsandbox.change;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PathGlobTest {
    @Test
    void doubleStarCrossesFoldersAndSingleStarDoesNot() {
        PathGlob g = PathGlob.of(".github/workflows/**");
        assertThat(g.matches(".github/workflows/ci.yml")).isTrue();
        assertThat(g.matches(".github/workflows/sub/x.yml")).isTrue();
        assertThat(g.matches(".github/other.yml")).isFalse();
        assertThat(PathGlob.of("src/*.java").matches("src/a/B.java")).isFalse();
        assertThat(PathGlob.of("src/*.java").matches("src/B.java")).isTrue();
    }

    @Test
    void aBareNameMatchesAtAnyDepthButALeadingSlashAnchors() {
        assertThat(PathGlob.of("Jenkinsfile").matches("Jenkinsfile")).isTrue();
        assertThat(PathGlob.of("Jenkinsfile").matches("ci/Jenkinsfile")).isTrue();
        assertThat(PathGlob.of("/Jenkinsfile").matches("ci/Jenkinsfile")).isFalse();
        assertThat(PathGlob.of("**/CODEOWNERS").matches("CODEOWNERS")).isTrue();
        assertThat(PathGlob.of("**/CODEOWNERS").matches("docs/CODEOWNERS")).isTrue();
        assertThat(PathGlob.of("Jenkinsfile").matches("Jenkinsfile.bak")).isFalse();
    }

    @Test
    void regexCharactersInPatternsAreLiteral() {
        assertThat(PathGlob.of("a+b(c).txt").matches("a+b(c).txt")).isTrue();
        assertThat(PathGlob.of(".gitlab-ci.yml").matches("xgitlab-ci.yml")).isFalse();
    }

    @Test
    void aFolderNameCoversEverythingUnderItAsInGit() {
        assertThat(PathGlob.of("docs").matches("docs/a/b.md")).isTrue();
        assertThat(PathGlob.of("docs/").matches("docs/a.md")).isTrue();
        assertThat(PathGlob.of("src/**/*.java").matches("src/A.java")).isTrue();
        assertThat(PathGlob.of("[Jj]enkinsfile").matches("jenkinsfile")).isTrue();
    }

    @Test
    void aNegationIsRefusedRatherThanSilentlyUnprotecting() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PathGlob.of("!.github/workflows/**"))
                .hasMessageContaining("negations are not supported");
    }
}
