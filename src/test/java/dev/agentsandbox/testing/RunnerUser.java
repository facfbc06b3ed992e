package dev.agentsandbox.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The users CI runners really are (made by scripts/setup-test-users.sh): commands run as them with
 * only the environment a runner gives a job, never the test JVM's own.
 */
public enum RunnerUser {
    /** A GitHub-hosted runner: uid 1001, the docker group, passwordless sudo. */
    GITHUB_HOSTED("runner"),
    /** A GitLab shell runner or a Jenkins agent: the docker group, no sudo. */
    NO_SUDO("gitlab-runner"),
    /** A Jenkins agent given sudo for exactly mount, umount and runsc (docs/hosts.md). */
    LIMITED_SUDO("jenkins"),
    /** A self-hosted machine run as root. */
    ROOT("root");

    public final String name;

    RunnerUser(String name) {
        this.name = name;
    }

    public Path home() {
        return this == ROOT ? Path.of("/root") : Path.of("/home", name);
    }

    /** Fails the test, saying how to fix the host, when the user is not there as CI makes it. */
    public void requirePresent() throws IOException, InterruptedException {
        if (this == ROOT) {
            return;
        }
        Result id = exec(List.of("id", "-u"), Path.of("/"), Map.of());
        if (id.exitCode != 0 || (this == GITHUB_HOSTED && !id.out.strip().equals("1001"))) {
            throw new AssertionError("the test user " + name + " is missing or wrong (" + id.out.strip() + "): run scripts/setup-test-users.sh as root");
        }
    }

    /** A fresh folder the user owns (mode 0700), outside the test JVM's private temporary folders. */
    public Path newFolder(String prefix) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), prefix + "-" + name + "-");
        own(dir);
        return dir;
    }

    /** Hands a tree the test made as root to the user. */
    public void own(Path path) throws IOException, InterruptedException {
        if (this == ROOT) {
            return;
        }
        Process p = new ProcessBuilder("chown", "-R", name + ":" + name, path.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("chown " + path + ": " + out);
        }
    }

    /** Removes a folder of the user's (as root: the user may have left files it cannot remove, as a runner's cleanup would). */
    public static void remove(Path dir) throws IOException, InterruptedException {
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
    }

    public record Result(int exitCode, String out) {
    }

    /** The environment a runner's job starts with for this user, before the CI's own variables. */
    public Map<String, String> baseEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", home().toString());
        env.put("USER", name);
        env.put("LOGNAME", name);
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("LANG", "C.UTF-8");
        String docker = System.getenv("DOCKER_HOST");
        if (docker != null) {
            env.put("DOCKER_HOST", docker);
        }
        return env;
    }

    /** Runs a command as the user in {@code dir}, with the base environment plus {@code env}, to its end (10 minutes at most). */
    public Result exec(List<String> command, Path dir, Map<String, String> env) throws IOException, InterruptedException {
        Process p = start(command, dir, env, ProcessBuilder.Redirect.PIPE);
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("as " + name + ": " + command + " did not end within 10 minutes");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Starts a command as the user, as {@link #exec} runs it, its output (and errors) going to {@code output}; for runs side by side. */
    public Process start(List<String> command, Path dir, Map<String, String> env, ProcessBuilder.Redirect output) throws IOException {
        Map<String, String> all = baseEnvironment();
        all.putAll(env);
        List<String> cmd = new ArrayList<>();
        if (this != ROOT) {
            cmd.addAll(List.of("runuser", "-u", name, "--"));
        }
        cmd.add("env");
        cmd.add("-i");
        all.forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.addAll(command);
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(output)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }
}
