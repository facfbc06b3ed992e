package dev.agentsandbox.run;

import dev.agentsandbox.notify.RunNotifier;
import dev.agentsandbox.sandbox.SandboxBackend;
import java.time.Clock;
import java.util.Objects;

/**
 * What every stage of one run shares: where its sandboxes run, its clock, where it reports
 * progress, the host's side (variables, scratch space, git credentials, commit signing) and,
 * once the bundle is open, its notifier.
 *
 * @param notifier null until the run's bundle is open (prepare notifies no one)
 */
public record RunContext(SandboxBackend backend, Clock clock, Progress progress, HostEnvironment host, RunNotifier notifier) {
    public RunContext {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(host, "host");
    }

    public static RunContext of(SandboxBackend backend, Clock clock, Progress progress, HostEnvironment host) {
        return new RunContext(backend, clock, progress, host, null);
    }

    public RunContext withNotifier(RunNotifier n) {
        return new RunContext(backend, clock, progress, host, Objects.requireNonNull(n, "notifier"));
    }

    /** The notifier, for the stages that run after the bundle is open. */
    public RunNotifier requireNotifier() {
        if (notifier == null) {
            throw new IllegalStateException("no notifier before the run's bundle is open");
        }
        return notifier;
    }
}
