package dev.agentsandbox.run;

/** What a run tells its user while it goes: the stage, what runs now, and the sandbox's output. */
public interface Progress {
    /** A new stage begins ("prepare", "agent", "collect", "gates", "reports"). */
    void stage(String stage, String what);

    /** A step within the current stage. */
    void step(String what);

    /** One redacted line of a sandbox's output. */
    void output(String source, String line);

    Progress SILENT = new Progress() {
        @Override
        public void stage(String stage, String what) {
        }

        @Override
        public void step(String what) {
        }

        @Override
        public void output(String source, String line) {
        }
    };
}
