package dev.agentsandbox.gate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.change.AddedLine;
import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.config.PolicyConfig;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.verdict.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyGateTest {
    private static FileChange modified(String path, int lines) {
        List<AddedLine> added = new java.util.ArrayList<>();
        for (int i = 1; i <= lines; i++) {
            added.add(new AddedLine(i, "line " + i));
        }
        return new FileChange(path, FileChange.Kind.MODIFIED, 0100644, 0100644, false, 10, added, 0);
    }

    private static List<String> rules(List<Finding> f) {
        return f.stream().map(Finding::rule).toList();
    }

    @Test
    void editsToCiConfigurationFailByDefault() {
        PolicyGate gate = new PolicyGate(PolicyConfig.DEFAULT);
        for (String p : List.of(".github/workflows/ci.yml", ".gitlab-ci.yml", "Jenkinsfile", "docs/CODEOWNERS", ".agent-sandbox.yml")) {
            List<Finding> f = gate.check(new ChangeSet(List.of(modified(p, 1))));
            assertThat(rules(f)).as(p).containsExactly("protected-path");
            assertThat(f.get(0).level()).isEqualTo(Verdict.FAIL);
            assertThat(f.get(0).path()).isEqualTo(p);
        }
    }

    @Test
    void anOrdinaryEditPasses() {
        assertThat(new PolicyGate(PolicyConfig.DEFAULT).check(new ChangeSet(List.of(modified("src/app.py", 3))))).isEmpty();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {".travis.yml", "bitbucket-pipelines.yml", ".drone.yml", ".woodpecker.yml",
        ".buildkite/pipeline.yml", ".tekton/run.yaml", "cloudbuild.yaml", "bitrise.yml", ".pre-commit-config.yaml", ".husky/pre-commit",
        "lefthook.yml", ".devcontainer/devcontainer.json", "CLAUDE.md", "docs/CLAUDE.md", "AGENTS.md", ".cursorrules",
        ".github/copilot-instructions.md", ".claude/settings.json", ".agent-sandbox/signing.pub", ".agent-sandbox.yml", ".gitattributes",
        ".gitmodules", "build/Jenkinsfile"})
    void theDefaultsProtectCiHooksAgentInstructionsAndTheToolsOwnFiles(String path) {
        assertThat(rules(new PolicyGate(PolicyConfig.DEFAULT).check(new ChangeSet(List.of(modified(path, 1)))))).contains("protected-path");
    }

    @Test
    void limitsOnFilesAndLinesFail() {
        PolicyGate gate = new PolicyGate(new PolicyConfig(null, 1, 5, null, null, null, null, null));
        assertThat(rules(gate.check(new ChangeSet(List.of(modified("a", 1), modified("b", 1)))))).containsExactly("too-many-files");
        assertThat(rules(gate.check(new ChangeSet(List.of(modified("a", 6)))))).containsExactly("too-many-lines");
    }

    @Test
    void binaryFilesAndModeChangesFailUnlessAllowed() {
        FileChange bin = new FileChange("logo.png", FileChange.Kind.ADDED, 0, 0100644, true, 100, List.of(), 0);
        FileChange chmod = new FileChange("run.sh", FileChange.Kind.MODIFIED, 0100644, 0100755, false, 10, List.of(), 0);
        ChangeSet change = new ChangeSet(List.of(bin, chmod));
        assertThat(rules(new PolicyGate(PolicyConfig.DEFAULT).check(change))).containsExactly("binary-file", "mode-change");
        assertThat(new PolicyGate(new PolicyConfig(null, null, null, true, true, null, null, null)).check(change)).isEmpty();
    }

    @Test
    void anEmptyChangeWarns() {
        assertThat(new PolicyGate(PolicyConfig.DEFAULT).check(new ChangeSet(List.of())))
                .extracting(Finding::rule, Finding::level).containsExactly(org.assertj.core.groups.Tuple.tuple("empty-change", Verdict.WARN));
    }
}
