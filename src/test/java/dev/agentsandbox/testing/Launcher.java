package dev.agentsandbox.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged CLI in a child JVM with its own environment (CI variables, secrets, a small heap): what Cli cannot give. */
public final class Launcher {
    public record Result(int exit, String output) {
    }

    private Launcher() {
    }

    public static Result run(Map<String, String> env, List<String> jvmOptions, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", Path.of("target/agent-sandbox.jar").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }
}
