package dev.agentsandbox.run.collect;

import dev.agentsandbox.run.RunContext;
import dev.agentsandbox.gate.GateDetails;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.bundle.RunBundle;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.git.ChangeCommitter;
import dev.agentsandbox.git.CommitSigning;
import dev.agentsandbox.git.PatchWriter;
import dev.agentsandbox.run.Progress;
import dev.agentsandbox.run.agent.AgentOutcome;
import dev.agentsandbox.run.agent.AgentWorkspace;
import dev.agentsandbox.run.prepare.Prepared;
import dev.agentsandbox.verdict.Verdict;
import dev.agentsandbox.workspace.ChangeCollector;
import dev.agentsandbox.workspace.Collected;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;

/**
 * Stage 3: the workspace compared with the base on the host (never following a link), and the
 * change committed on the new feature branch: only when nothing was refused, the agent passed,
 * and this is not a plan run. The base branch is only ever read.
 */
public final class CollectStage {
    private final Clock clock;
    private final Progress progress;
    private final CommitSigning signing;

    /** @param signing the key that signs the agent's commit, or null */
    public CollectStage(RunContext context) {
        this.clock = context.clock();
        this.progress = context.progress();
        this.signing = context.host().commitSigning();
    }

    public CollectOutcome collect(Prepared p, Repository repo, RunBundle bundle, AgentWorkspace workspace, AgentOutcome agent)
            throws AgentSandboxException {
        progress.stage("collect", "comparing the workspace with " + p.base().describe());
        Collected collected;
        try (ObjectReader reader = repo.newObjectReader()) {
            collected = workspace.collect(new ChangeCollector(ChangeCollector.Limits.of(p.config().policy())), reader);
        }
        if (p.request().task().plan()) {
            return new CollectOutcome(collected, null, null); // plan first: the plan is kept, nothing is committed
        }
        if (collected.refused()) {
            progress.step("refused: " + collected.refusals().size() + " finding(s); nothing committed");
            return new CollectOutcome(collected, null, GateResult.of(Collected.GATE, collected.refusals(), Duration.ZERO, GateDetails.NONE));
        }
        GateResult gate = GateResult.of(Collected.GATE, List.of(), Duration.ZERO, new GateDetails.Change(collected.change().files().size()));
        if (collected.change().isEmpty() || agent.gate().verdict() == Verdict.FAIL) {
            return new CollectOutcome(collected, null, gate);
        }
        var config = p.config();
        ObjectId commit = new ChangeCommitter(repo).commit(p.base().commit(), collected, p.branch(),
                new PersonIdent(config.agent().name(), config.agent().email(), clock.instant(), clock.getZone()),
                new PersonIdent("agent-sandbox", "agent-sandbox@localhost", clock.instant(), clock.getZone()),
                p.request().task().text(), p.runId(), signing);
        String head = commit.name();
        try {
            PatchWriter.write(repo, p.base().commit(), commit, bundle.path(Layout.PATCH));
            progress.step("committed " + collected.change().files().size() + " file(s) on " + p.branch() + " as " + head.substring(0, 12)
                    + (signing == null ? "" : ", signed"));
            bundle.audit("collect", "commit", Map.of("branch", p.branch(), "commit", head,
                    "files", collected.change().files().stream().map(f -> f.kind() + " " + f.path()).toList()));
        } catch (AgentSandboxException | RuntimeException e) {
            ChangeCommitter.undo(repo, p.branch(), commit); // no half-made branch
            throw e;
        }
        return new CollectOutcome(collected, head, gate);
    }
}
