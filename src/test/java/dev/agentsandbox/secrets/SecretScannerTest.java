package dev.agentsandbox.secrets;

import dev.agentsandbox.gate.secrets.SecretsGate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.change.AddedLine;
import dev.agentsandbox.change.ChangeSet;
import dev.agentsandbox.change.FileChange;
import dev.agentsandbox.config.SecretsConfig;
import dev.agentsandbox.verdict.Finding;
import dev.agentsandbox.gate.GateContext;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.verdict.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

class SecretScannerTest {
    private final SecretScanner scanner = SecretScanner.defaults();

    @Test
    void everySampleOfTheCorpusIsFoundByItsRule() {
        for (SecretCorpus.Sample s : SecretCorpus.positives()) {
            List<SecretMatch> found = scanner.scan(s.line());
            assertThat(found).as(s.rule()).extracting(m -> m.rule().id()).contains(s.rule());
        }
    }

    @Test
    void theHandCheckBeforeTheGenericRuleNeverRejectsWhatItsRegexMatches() {
        // The check only saves regex runs: wherever the regex matches after a keyword, it must pass.
        SecretRule generic = SecretRules.defaults().stream().filter(SecretRule::anchored).findFirst().orElseThrow();
        String[] pieces = {"token", "KEY", "passwd", "_id", "-x", "\"", "'", " ", "\t", "=", ":", ":=", "=>", "==", "a", "Z9",
            "abcdefghij", "0123456789", "+/", ".~", "==", "$", "(", ",", "\u00e9"};
        java.util.Random r = new java.util.Random(7);
        int matched = 0;
        for (int n = 0; n < 200_000; n++) {
            StringBuilder sb = new StringBuilder(r.nextBoolean() ? "token" : "api_key");
            int k = sb.length();
            for (int i = r.nextInt(12); i > 0; i--) {
                sb.append(pieces[r.nextInt(pieces.length)]);
            }
            String line = sb.toString();
            if (generic.pattern().matcher(line).region(0, line.length()).lookingAt()) {
                matched++;
                assertThat(SecretScanner.assignmentFollows(line, k)).as(line).isTrue();
            }
        }
        assertThat(matched).as("cases where the regex matched").isGreaterThan(1000);
    }

    @Test
    void placeholdersReferencesAndOrdinaryCodeAreNotSecrets() {
        for (String line : SecretCorpus.negatives()) {
            assertThat(scanner.scan(line)).as(line).isEmpty();
        }
    }

    @Test
    void theValueAppearsNowhereInAMatchOrItsRedaction() {
        for (SecretCorpus.Sample s : SecretCorpus.positives()) {
            for (SecretMatch m : scanner.scan(s.line())) {
                String value = s.line().substring(m.start(), m.end());
                assertThat(m.redactedLine()).doesNotContain(value).contains("[REDACTED:");
                assertThat(m.toString()).doesNotContain(value);
                assertThat(m.fingerprint()).hasSize(64).isEqualTo(SecretScanner.fingerprint(value));
            }
        }
    }

    @Test
    void aRuleNeverRunsWithoutItsKeyword() {
        // The GitHub regex would match this, but without the keyword "ghp_" the prefilter skips it.
        SecretRule rule = SecretRule.of("x", "x", Verdict.FAIL, 0, "(\\d{6})", "never-there");
        assertThat(new SecretScanner(List.of(rule)).scan("123456")).isEmpty();
        assertThat(new SecretScanner(List.of(rule)).scan("never-there 123456")).hasSize(1);
    }

    private static GateResult gate(SecretsConfig config, String path, String line) {
        FileChange f = new FileChange(path, FileChange.Kind.ADDED, 0, 0100644, false, 10, List.of(new AddedLine(3, line)), 0);
        ChangeSet change = new ChangeSet(List.of(f));
        return new SecretsGate(config).evaluate(new GateContext(change, new EmptyTree(), new EmptyTree(), null, null));
    }

    @Test
    void aPlantedTokenFailsTheGateWithARedactedFinding() {
        SecretCorpus.Sample s = SecretCorpus.positives().get(5);
        GateResult r = gate(SecretsConfig.DEFAULT, "src/config.py", s.line());
        assertThat(r.verdict()).isEqualTo(Verdict.FAIL);
        Finding f = r.findings().get(0);
        assertThat(f.path()).isEqualTo("src/config.py");
        assertThat(f.line()).isEqualTo(3);
        String token = s.line().substring(s.line().indexOf('=') + 1);
        assertThat(f.toString()).doesNotContain(token);
        assertThat(r.toString()).doesNotContain(token);
    }

    @Test
    void allowListsByPathFingerprintAndRuleAreHonoured() {
        SecretCorpus.Sample s = SecretCorpus.positives().get(5);
        String fp = scanner.scan(s.line()).get(0).fingerprint();
        assertThat(gate(new SecretsConfig(null, List.of("test/fixtures/**"), null, null), "test/fixtures/a.env", s.line()).verdict())
                .isEqualTo(Verdict.PASS);
        assertThat(gate(new SecretsConfig(null, null, null, List.of(fp)), "a.env", s.line()).verdict()).isEqualTo(Verdict.PASS);
        assertThat(gate(new SecretsConfig(null, null, List.of("github-token", "generic-secret"), null), "a.env", s.line()).verdict())
                .isEqualTo(Verdict.PASS);
        assertThat(gate(new SecretsConfig(false, null, null, null), "a.env", s.line()).verdict()).isEqualTo(Verdict.PASS);
    }

    static final class EmptyTree implements dev.agentsandbox.change.Tree {
        @Override
        public List<String> paths() {
            return List.of();
        }

        @Override
        public java.util.Optional<byte[]> read(String path) {
            return java.util.Optional.empty();
        }
    }
}
