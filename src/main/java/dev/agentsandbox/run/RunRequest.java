package dev.agentsandbox.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the user asked for: where, what task, and the options given on the command line (which
 * override the configuration file). Nulls mean "take it from the configuration".
 *
 * @param repo the repository (a CI checkout)
 * @param task the task text
 * @param configFile an operator-supplied configuration file; null: .agent-sandbox.yml at the base commit
 * @param bundle where the run bundle goes
 * @param image agent image override
 * @param command agent command override
 * @param tier tier override ("gvisor", ...)
 * @param runtime runtime override
 * @param base base branch override
 * @param push the remote the approved change is pushed to by {@code merge}; nothing is pushed by the run itself
 *             unless {@code pushEarly} asks for it; null: no remote
 * @param ciBranch the branch the CI system names for its (detached) checkout; null outside CI
 * @param requestedBy who asked for the run (the CI's user); they may not approve it unless the tier allows self-approval
 * @param plan true: the agent writes a plan (PLAN.md) and nothing else is kept; a person approves the plan first
 * @param planFrom an approved plan's bundle: the agent gets that plan, and its digest is bound into this run
 * @param orgPolicy the organisation's data classification (outside the repository), or null
 * @param pushEarly before approval, push the head commit to {@code refs/agent-sandbox/<run>} ("namespace") or as
 *                  the feature branch ("branch"); null: nothing of the agent's reaches the remote before approval
 * @param previous the bundle of a rejected run this one continues; null: none
 * @param model an upstream added to the proxy's allow-list from the command line; null: none
 * @param workspace how the agent's workspace is made: auto, overlay or copy; null: auto
 * @param trigger where a person asked for the run on a forge (a comment, a label); null: not from a forge
 */
public record RunRequest(Path repo, String task, Path configFile, Path bundle, String image, List<String> command,
                         String tier, String runtime, String base, String push, Path previous,
                         dev.agentsandbox.config.ProxyConfig.Upstream model, dev.agentsandbox.workspace.WorkspaceMode workspace, String pushEarly, String ciBranch, String requestedBy, boolean plan, Path planFrom, Path orgPolicy,
                         dev.agentsandbox.bundle.RunRecord.Trigger trigger) {
    /** The ref namespace of early pushes: no branch-triggered CI matches it. */
    public static final String EARLY_NAMESPACE = "refs/agent-sandbox/";

    public RunRequest {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(bundle, "bundle");
        command = command == null ? null : List.copyOf(command);
        workspace = workspace == null ? dev.agentsandbox.workspace.WorkspaceMode.AUTO : workspace;
        if (plan && planFrom != null) {
            throw new IllegalArgumentException("--plan and --plan-from do not go together: plan first, then run from the approved plan");
        }
        if (pushEarly != null && !pushEarly.equals("namespace") && !pushEarly.equals("branch")) {
            throw new IllegalArgumentException("--push-before-approval takes namespace or branch, not '" + pushEarly + "'");
        }
    }

    /** The same request with another task (a continued or planned run's), and the base the continued run used when none is given. */
    public RunRequest withTask(String newTask, String newBase, Path newPrevious) {
        return new RunRequest(repo, newTask, configFile, bundle, image, command, tier, runtime, newBase, push, newPrevious, model, workspace,
                pushEarly, ciBranch, requestedBy, plan, planFrom, orgPolicy, trigger);
    }
}
