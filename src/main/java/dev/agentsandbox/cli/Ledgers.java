package dev.agentsandbox.cli;

import dev.agentsandbox.bundle.BundleSnapshot;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.error.AgentSandboxException;
import dev.agentsandbox.git.DecisionLedger;
import dev.agentsandbox.git.GitCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.lib.Repository;

/** `verify` against the records outside the bundle: a bundle cut back behind its rejection or its merge fails. */
final class Ledgers {
    private Ledgers() {
    }

    /**
     * What the repository's agent-sandbox/ tags record that a verified bundle no longer shows.
     *
     * @param repoDir the repository (null: the one the verified run.json names, when it is here; else none is read)
     */
    static List<String> cutBack(BundleSnapshot b, String newestStage, Path repoDir, String remote) throws AgentSandboxException {
        List<String> problems = new ArrayList<>();
        String recorded = b.run().repo();
        Path dir = repoDir != null ? repoDir : recorded != null && Files.isDirectory(Path.of(recorded)) ? Path.of(recorded) : null;
        if (dir == null) {
            return problems;
        }
        String runId = b.run().runId();
        try (Repository r = dev.agentsandbox.git.Repositories.open(dir)) {
            GitCredentials creds = CiEnvironment.gitCredentials(System.getenv());
            boolean rejectedInBundle = false;
            for (int k = 1; k <= Layout.MAX_DECISIONS && b.has(Layout.approvalFile(k)); k++) {
                rejectedInBundle |= "REJECT".equals(b.json(Layout.approvalFile(k)).path("decision").asText());
            }
            if (!rejectedInBundle && DecisionLedger.rejected(r, runId, remote, creds)) {
                problems.add("the repository records run " + runId + " as rejected (" + DecisionLedger.PREFIX + runId
                        + "), and the bundle shows no rejection: it was cut back");
            }
            if (!"merge".equals(newestStage) && DecisionLedger.merged(r, runId, remote, creds)) {
                problems.add("the repository records run " + runId + " as merged (" + DecisionLedger.MERGED + runId
                        + "), and the bundle ends at its " + newestStage + " stage: it was cut back");
            }
        }
        return problems;
    }
}
