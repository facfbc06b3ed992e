package dev.agentsandbox.config;

import java.util.List;

/**
 * The whole configuration of a run, as read from {@code .agent-sandbox.yml} at the BASE commit
 * and overridden by command-line options. Every section has defaults.
 */
public record RunConfig(AgentConfig agent, SandboxConfig sandbox, BranchConfig branch, PolicyConfig policy,
                        SecretsConfig secrets, DependencyConfig dependencies, List<CheckConfig> checks, ProxyConfig proxy,
                        MergeConfig merge, RiskConfig risk, ApprovalConfig approval, CheckpointConfig checkpoints, NotifyConfig notifications, String dataClass,
                        AuditConfig audit) {
    public static final RunConfig DEFAULT = new RunConfig(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    public RunConfig(AgentConfig agent, SandboxConfig sandbox, BranchConfig branch, PolicyConfig policy, SecretsConfig secrets,
                     DependencyConfig dependencies, List<CheckConfig> checks, ProxyConfig proxy, MergeConfig merge) {
        this(agent, sandbox, branch, policy, secrets, dependencies, checks, proxy, merge, null, null, null, null, null, null);
    }

    /** This configuration with another proxy section. */
    /** This configuration with one more protected path (the configuration file itself, when it lives in the repository). */
    public RunConfig withProtected(String path) {
        java.util.List<String> paths = new java.util.ArrayList<>(policy.protectedPaths());
        if (!paths.contains(path)) {
            paths.add(path);
        }
        PolicyConfig p = new PolicyConfig(paths, policy.maxFiles(), policy.maxLines(), policy.allowBinary(), policy.allowModeChanges(),
                policy.maxFileBytes(), policy.maxChangeBytes(), policy.allowBidiPaths(), policy.processes());
        return new RunConfig(agent, sandbox, branch, p, secrets, dependencies, checks, proxy, merge, risk, approval, checkpoints, notifications,
                dataClass, audit);
    }

    public RunConfig withProxy(ProxyConfig p) {
        return new RunConfig(agent, sandbox, branch, policy, secrets, dependencies, checks, p, merge, risk, approval, checkpoints, notifications, dataClass, audit);
    }

    public RunConfig {
        agent = agent == null ? AgentConfig.DEFAULT : agent;
        sandbox = sandbox == null ? SandboxConfig.DEFAULT : sandbox;
        branch = branch == null ? BranchConfig.DEFAULT : branch;
        policy = policy == null ? PolicyConfig.DEFAULT : policy;
        secrets = secrets == null ? SecretsConfig.DEFAULT : secrets;
        dependencies = dependencies == null ? DependencyConfig.DEFAULT : dependencies;
        checks = checks == null ? List.of() : List.copyOf(checks);
        proxy = proxy == null ? ProxyConfig.DEFAULT : proxy;
        merge = merge == null ? MergeConfig.DEFAULT : merge;
        risk = risk == null ? RiskConfig.DEFAULT : risk;
        approval = approval == null ? ApprovalConfig.DEFAULT : approval;
        checkpoints = checkpoints == null ? CheckpointConfig.DEFAULT : checkpoints;
        notifications = notifications == null ? NotifyConfig.DEFAULT : notifications;
        audit = audit == null ? AuditConfig.DEFAULT : audit;
    }
}
