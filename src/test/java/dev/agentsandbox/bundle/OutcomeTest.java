package dev.agentsandbox.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.error.ExitCode;
import dev.agentsandbox.verdict.Verdict;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** run.json's words and `run`'s exit codes stay what they were when the outcome was a string. */
class OutcomeTest {
    @Test
    void wordsAndExitCodesAreTheDocumentedOnes() {
        assertThat(Arrays.stream(Outcome.values()).map(Outcome::id)).containsExactly("pass", "warn", "fail", "no-change", "plan", "error", "running");
        assertThat(Outcome.PASS.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(Outcome.WARN.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(Outcome.PLAN.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(Outcome.FAIL.exitCode()).isEqualTo(ExitCode.GATES_FAILED);
        assertThat(Outcome.NO_CHANGE.exitCode()).isEqualTo(ExitCode.NO_CHANGE);
        assertThat(Outcome.ERROR.exitCode()).isEqualTo(ExitCode.INFRASTRUCTURE);
        assertThat(Outcome.RUNNING.exitCode()).as("a run killed before it finished").isEqualTo(ExitCode.INFRASTRUCTURE);
        for (Verdict v : Verdict.values()) {
            assertThat(Outcome.of(v).id()).isEqualTo(v.id());
        }
    }

    @Test
    void jsonHoldsTheWordAndAnUnknownWordIsRefused() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (Outcome o : Outcome.values()) {
            assertThat(json.writeValueAsString(o)).isEqualTo("\"" + o.id() + "\"");
            assertThat(json.readValue("\"" + o.id() + "\"", Outcome.class)).isSameAs(o);
        }
        assertThatThrownBy(() -> json.readValue("\"PASS\"", Outcome.class)).hasMessageContaining("unknown run outcome \"PASS\"");
    }
}
