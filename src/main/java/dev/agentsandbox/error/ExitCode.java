package dev.agentsandbox.error;

/**
 * The exit codes of every command, decided here and nowhere else: the CLI, run.json, the Jenkins
 * step and the CI scripts all read them from here (the README documents them).
 */
public enum ExitCode {
    /** Done; for `run`: the gates passed (maybe with warnings) and the change awaits approval. */
    OK(0),
    /** `run`: a gate failed or the change was refused; the feature branch holds nothing to merge. */
    GATES_FAILED(1),
    /** Bad options or an invalid configuration file. */
    USAGE(2),
    /** The host could not do it: Docker, the runtime, an image, the disk. */
    INFRASTRUCTURE(3),
    /** Refused: merge without approval, a moved branch, a bundle that does not verify. */
    REFUSED(4),
    /** `run`: the agent changed nothing; nothing is committed and nothing awaits approval. */
    NO_CHANGE(5);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
