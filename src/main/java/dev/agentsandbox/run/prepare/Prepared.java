package dev.agentsandbox.run.prepare;

import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.gate.GateResult;
import dev.agentsandbox.quota.DiskQuota;
import dev.agentsandbox.run.RunRequest;
import java.security.KeyPair;
import java.util.Objects;

/**
 * What the prepare stage settled before the agent starts; every later stage reads it.
 *
 * @param request the request as it runs (a continued or planned task included)
 * @param runId the run's id
 * @param base the base branch and commit
 * @param config the configuration, with the command line's model added
 * @param settings image, command, isolation and limits
 * @param branch the feature branch the change will be committed on
 * @param identity the repository's identity (its remote's URL), or null
 * @param quota how the host bounds what the agent writes
 * @param dataClass the data-class gate's result, or null without an organisation policy
 * @param plan the approved plan the run carries out, or plan mode
 * @param signingKey the attestation key; null: a one-time key
 */
public record Prepared(RunRequest request, String runId, Base base, RunConfig config, Settings settings, String branch,
                       String identity, DiskQuota quota, GateResult dataClass, PlanStep.Planned plan, KeyPair signingKey) {
    public Prepared {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(quota, "quota");
        Objects.requireNonNull(plan, "plan");
    }
}
