package dev.agentsandbox.cli;

import dev.agentsandbox.console.SafeText;
import dev.agentsandbox.run.Progress;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress on the console, every line made safe first ({@link SafeText}: what the agent printed or
 * named cannot become a workflow command, an escape sequence or a second line): every line carries the elapsed time and the stage; while a stage
 * is quiet for a while a heartbeat says what still runs, so a CI log never looks hung.
 */
final class ConsoleProgress implements Progress, AutoCloseable {
    private static final long HEARTBEAT_SECONDS = 15;

    private final PrintWriter out;
    private final boolean showOutput;
    private final long t0 = System.nanoTime();
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agent-sandbox-progress");
        t.setDaemon(true);
        return t;
    });
    private volatile String stage = "start";
    private volatile String what = "";
    private volatile long lastLine = System.nanoTime();
    private volatile long lines;

    ConsoleProgress(PrintWriter out, boolean showOutput) {
        this.out = out;
        this.showOutput = showOutput;
        heartbeat.scheduleAtFixedRate(this::beat, HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public synchronized void stage(String stage, String what) {
        this.stage = stage;
        this.what = what;
        print(what);
    }

    @Override
    public synchronized void step(String what) {
        this.what = what;
        print(what);
    }

    @Override
    public synchronized void output(String source, String line) {
        lines++;
        if (showOutput) {
            out.printf(Locale.ROOT, "%s %-8s | %s%n", elapsed(), SafeText.line(source), SafeText.line(line));
            lastLine = System.nanoTime();
        }
    }

    private void beat() {
        if (System.nanoTime() - lastLine >= TimeUnit.SECONDS.toNanos(HEARTBEAT_SECONDS)) {
            synchronized (this) {
                print("still running: " + what + " (" + lines + " lines of output so far)");
            }
        }
    }

    private void print(String text) {
        out.printf(Locale.ROOT, "%s %-8s %s%n", elapsed(), stage, SafeText.line(text));
        out.flush();
        lastLine = System.nanoTime();
    }

    private String elapsed() {
        double s = (System.nanoTime() - t0) / 1e9;
        return String.format(Locale.ROOT, "[%6.1fs]", s);
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
    }
}
