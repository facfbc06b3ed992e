package io.jenkins.plugins.agentsandbox;

import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.console.LineTransformationOutputStream;
import hudson.model.TaskListener;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The CLI on the node: its Java, its jar, its environment (credentials as files and variables). */
final class Cli {
    private final String java;
    private final FilePath jar;
    private final EnvVars env;

    Cli(String java, FilePath jar, EnvVars env, Map<String, String> secretEnv) {
        this.java = java;
        this.jar = jar;
        this.env = new EnvVars(env);
        this.env.putIfAbsent("LC_ALL", "C.UTF-8");
        this.env.putAll(secretEnv);
    }

    EnvVars env() {
        return env;
    }

    List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xms16m", "-jar", jar.getRemote()));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * The command as a script for a durable task: {@code exec} so that the task's exit status is the
     * CLI's and a stop reaches the CLI itself; every word single-quoted, so nothing in a value is
     * read by the shell; tracing off first (durable-task runs it with {@code sh -xe}; no shebang,
     * which would need an executable temporary folder).
     */
    String script(List<String> args) {
        StringBuilder b = new StringBuilder("set +x\nexec");
        for (String word : command(args)) {
            b.append(' ').append(quote(word));
        }
        return b.append('\n').toString();
    }

    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Runs the CLI to its end, its output masked; for the short actions (approve, reject, merge). */
    int run(List<String> args, Secrets secrets, Launcher launcher, FilePath workspace, TaskListener listener) throws IOException, InterruptedException {
        return run(args, secrets, launcher, workspace, listener, null);
    }

    /** As {@link #run}, and {@code copy} gets the output too, masked as the log is, for reading a result. */
    int run(List<String> args, Secrets secrets, Launcher launcher, FilePath workspace, TaskListener listener, java.io.ByteArrayOutputStream copy)
            throws IOException, InterruptedException {
        OutputStream log = secrets.mask(listener.getLogger());
        OutputStream masked = copy == null ? null : secrets.mask(copy); // what is kept of it is masked as the log is
        OutputStream out = copy == null ? log : new Tee(log, masked);
        try {
            // stderr stays bundled into stdout: one copier thread, so the masking sees whole lines
            return launcher.launch().cmds(command(args)).envs(env).pwd(workspace).stdout(out).join();
        } finally {
            for (OutputStream o : new OutputStream[] {log, masked}) {
                if (o instanceof LineTransformationOutputStream l) {
                    l.forceEol();
                }
                if (o != null) {
                    o.flush();
                }
            }
        }
    }

    /** Writes to the log and to a copy. */
    private static final class Tee extends OutputStream {
        private final OutputStream log;
        private final OutputStream copy;

        Tee(OutputStream log, OutputStream copy) {
            this.log = log;
            this.copy = copy;
        }

        @Override
        public void write(int b) throws IOException {
            log.write(b);
            copy.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            log.write(b, off, len);
            copy.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            log.flush();
        }
    }
}
