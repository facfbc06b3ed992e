package dev.agentsandbox.run;

import dev.agentsandbox.bundle.RunRecord;
import dev.agentsandbox.config.ProxyConfig;
import dev.agentsandbox.workspace.WorkspaceMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the user asked for, in three parts: the task, the overrides of the configuration file
 * given on the command line, and where the results go.
 */
public record RunRequest(Task task, Overrides overrides, Delivery delivery) {
    /** The ref namespace of early pushes: no branch-triggered CI matches it. */
    public static final String EARLY_NAMESPACE = "refs/agent-sandbox/";

    /**
     * The work, in which repository, and who asked for it.
     *
     * @param repo the repository (a CI checkout)
     * @param text the task's words
     * @param ciBranch the branch the CI system names for its (detached) checkout; null outside CI
     * @param requestedBy who asked for the run (the CI's user); they may not approve it unless the tier allows self-approval
     * @param trigger where a person asked for the run on a forge (a comment, a label); null: not from a forge
     * @param plan true: the agent writes a plan (PLAN.md) and nothing else is kept; a person approves the plan first
     * @param planFrom an approved plan's bundle: the agent gets that plan, and its digest is bound into this run
     * @param previous the bundle of a rejected run this one continues; null: none
     */
    public record Task(Path repo, String text, String ciBranch, String requestedBy, RunRecord.Trigger trigger, boolean plan, Path planFrom,
                       Path previous) {
        public Task {
            Objects.requireNonNull(repo, "repo");
            Objects.requireNonNull(text, "task");
            if (plan && planFrom != null) {
                throw new IllegalArgumentException("--plan and --plan-from do not go together: plan first, then run from the approved plan");
            }
        }

        /** A task in a repository, asked for by someone, with nothing else. */
        public static Task of(Path repo, String text, String requestedBy) {
            return new Task(repo, text, null, requestedBy, null, false, null, null);
        }
    }

    /**
     * What the command line sets in place of the configuration; each null takes the configuration's.
     *
     * @param configFile an operator-supplied configuration file; null: .agent-sandbox.yml at the base commit
     * @param orgPolicy the organisation's data classification (outside the repository), or null
     * @param image the agent's image
     * @param command the agent's command
     * @param tier the isolation tier ("gvisor", ...)
     * @param runtime the container runtime
     * @param base the base branch
     * @param model an upstream added to the proxy's allow-list
     * @param workspace how the agent's workspace is made: auto, overlay or copy; null: auto
     */
    public record Overrides(Path configFile, Path orgPolicy, String image, List<String> command, String tier, String runtime, String base,
                            ProxyConfig.Upstream model, WorkspaceMode workspace) {
        public static final Overrides NONE = new Overrides(null, null, null, null, null, null, null, null, null);

        public Overrides {
            command = command == null ? null : List.copyOf(command);
            workspace = workspace == null ? WorkspaceMode.AUTO : workspace;
        }

        Overrides withBase(String newBase) {
            return new Overrides(configFile, orgPolicy, image, command, tier, runtime, newBase, model, workspace);
        }
    }

    /**
     * Where the run's results go.
     *
     * @param bundle where the run bundle goes
     * @param push the remote the approved change is pushed to by {@code merge}; nothing is pushed by the run itself
     *             unless {@code pushEarly} asks for it; null: no remote
     * @param pushEarly before approval, push the head commit to {@code refs/agent-sandbox/<run>} ("namespace") or as
     *                  the feature branch ("branch"); null: nothing of the agent's reaches the remote before approval
     */
    public record Delivery(Path bundle, String push, String pushEarly) {
        public Delivery {
            Objects.requireNonNull(bundle, "bundle");
            if (pushEarly != null && !pushEarly.equals("namespace") && !pushEarly.equals("branch")) {
                throw new IllegalArgumentException("--push-before-approval takes namespace or branch, not '" + pushEarly + "'");
            }
        }
    }

    public RunRequest {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(overrides, "overrides");
        Objects.requireNonNull(delivery, "delivery");
    }

    /** The same request with another task (a continued or planned run's), and the base the continued run used when none is given. */
    public RunRequest withTask(String newTask, String newBase, Path newPrevious) {
        Task t = new Task(task.repo(), newTask, task.ciBranch(), task.requestedBy(), task.trigger(), task.plan(), task.planFrom(), newPrevious);
        return new RunRequest(t, overrides.withBase(newBase), delivery);
    }
}
