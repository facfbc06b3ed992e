package dev.agentsandbox.testing;

import dev.agentsandbox.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the real command line in this JVM and keeps what it printed. */
public final class Cli {
    public final int exitCode;
    public final String out;
    public final String err;

    private Cli(int exitCode, String out, String err) {
        this.exitCode = exitCode;
        this.out = out;
        this.err = err;
    }

    public static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(code, out.toString(), err.toString());
    }

    /** A child process's exit and output, in the same shape. */
    public static Cli of(int exitCode, String out, String err) {
        return new Cli(exitCode, out, err);
    }

    public String all() {
        return out + err;
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out\n" + out + "\n--- err\n" + err;
    }
}
