package dev.agentsandbox.run;

import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.error.UsageException;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.SandboxTemplate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent and sandbox settings of one run: the configuration with the command line's overrides
 * applied and checked, and the template every sandbox of the run is made from.
 */
record Settings(String image, List<String> command, dev.agentsandbox.sandbox.Tier tier, String runtime, Limits limits,
                Map<String, String> env, long diskBytes) {
    static Settings of(RunConfig c, RunRequest r) throws UsageException {
        String image = r.image() != null ? r.image() : c.agent().image();
        List<String> command = r.command() != null ? r.command() : c.agent().command();
        if (image == null || image.isBlank()) {
            throw new UsageException("no agent image: give --image or agent.image in .agent-sandbox.yml");
        }
        if (command == null || command.isEmpty()) {
            throw new UsageException("no agent command: give --command or agent.command in .agent-sandbox.yml");
        }
        var s = c.sandbox();
        Limits limits = new Limits(s.cpus(), s.memoryBytes(), s.pids(), s.tmpfsBytes(), s.timeout(), s.maxOutputBytes());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", "/tmp");
        env.put("LANG", "C.UTF-8");
        for (String name : s.envAllow()) {
            String v = System.getenv(name);
            if (v != null) {
                env.put(name, v);
            }
        }
        env.putAll(s.env());
        dev.agentsandbox.sandbox.Tier tier = s.tier();
        String runtime = s.runtimeName();
        if (r.tier() != null) {
            try {
                tier = dev.agentsandbox.sandbox.Tier.parse(r.tier());
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            runtime = switch (tier) {
                case CONTAINER -> "runc";
                case GVISOR -> "runsc";
                case MICROVM -> null;
            };
        }
        if (r.runtime() != null) {
            runtime = r.runtime();
        }
        if (runtime == null) {
            throw new UsageException("tier microvm needs --runtime (or sandbox.runtime): the Docker runtime name of the VM runtime");
        }
        try {
            new SandboxTemplate("check", tier, runtime, limits, Map.of(), null).spec("check", image, command, Map.of(), List.of());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return new Settings(image, command, tier, runtime, limits, env, s.diskBytes());
    }

    SandboxTemplate template(String runId, List<String> knownSecrets) {
        // Output is shown and kept only after credentials in it are redacted: the keys the proxy
        // holds by value, everything else by the scanner's rules.
        return new SandboxTemplate(runId, tier, runtime, limits, env, line -> {
            String l = line;
            for (String k : knownSecrets) {
                l = l.replace(k, "[REDACTED:proxy-key]");
            }
            return Redaction.redact(l);
        });
    }
}
