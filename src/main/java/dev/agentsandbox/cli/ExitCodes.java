package dev.agentsandbox.cli;

import dev.agentsandbox.error.ExitCode;

/** The exit codes as picocli's ints (their meaning and the mapping are {@link ExitCode}'s). */
final class ExitCodes {
    static final int OK = ExitCode.OK.code();
    static final int GATES_FAILED = ExitCode.GATES_FAILED.code();
    static final int USAGE = ExitCode.USAGE.code();
    static final int INFRASTRUCTURE = ExitCode.INFRASTRUCTURE.code();
    static final int REFUSED = ExitCode.REFUSED.code();
    static final int NO_CHANGE = ExitCode.NO_CHANGE.code();

    private ExitCodes() {
    }
}
