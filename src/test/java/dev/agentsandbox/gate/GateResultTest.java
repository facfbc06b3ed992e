package dev.agentsandbox.gate;

import dev.agentsandbox.verdict.Finding;

import dev.agentsandbox.verdict.Verdict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GateResultTest {
    @Test
    void verdictIsTheWorstFinding() {
        var r = GateResult.of("policy", List.of(
                Finding.of("policy", "a", Verdict.WARN, "w"),
                Finding.of("policy", "b", Verdict.FAIL, "f")), Duration.ZERO, GateDetails.NONE);
        assertThat(r.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(GateResult.of("policy", List.of(), Duration.ZERO, GateDetails.NONE).verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    void verdictBetterThanAFindingIsRejected() {
        assertThatThrownBy(() -> new GateResult("policy", Verdict.PASS,
                List.of(Finding.of("policy", "b", Verdict.FAIL, "f")), Duration.ZERO, GateDetails.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
