package dev.agentsandbox.bundle;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.agentsandbox.error.ExitCode;
import dev.agentsandbox.verdict.Verdict;

/** How a run ended (run.json's {@code verdict}), with the exit code `run` ends with for it. */
public enum Outcome {
    /** The gates passed; the change awaits approval. */
    PASS("pass", ExitCode.OK),
    /** The gates passed with warnings; the change awaits approval. */
    WARN("warn", ExitCode.OK),
    /** A gate failed; nothing awaits approval unless the configuration allows an override. */
    FAIL("fail", ExitCode.GATES_FAILED),
    /** The agent changed nothing: there is nothing to review. */
    NO_CHANGE("no-change", ExitCode.NO_CHANGE),
    /** A plan-first run kept its plan, which awaits approval. */
    PLAN("plan", ExitCode.OK),
    /** The run could not finish (run.json's {@code error} says why). */
    ERROR("error", ExitCode.INFRASTRUCTURE),
    /** Not finished: a run still going, or one killed before it could record how it ended. */
    RUNNING("running", ExitCode.INFRASTRUCTURE);

    private final String id;
    private final ExitCode exitCode;

    Outcome(String id, ExitCode exitCode) {
        this.id = id;
        this.exitCode = exitCode;
    }

    /** The word run.json, the attestation and the reports use. */
    @JsonValue
    public String id() {
        return id;
    }

    public ExitCode exitCode() {
        return exitCode;
    }

    /** The outcome a run's gates give. */
    public static Outcome of(Verdict gates) {
        return switch (gates) {
            case PASS -> PASS;
            case WARN -> WARN;
            case FAIL -> FAIL;
        };
    }

    /** Reads run.json's word; an unknown one is a bundle this version cannot judge. */
    @JsonCreator
    public static Outcome ofId(String id) {
        for (Outcome o : values()) {
            if (o.id.equals(id)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown run outcome \"" + id + "\" (one of pass, warn, fail, no-change, plan, error, running)");
    }

    @Override
    public String toString() {
        return id;
    }
}
