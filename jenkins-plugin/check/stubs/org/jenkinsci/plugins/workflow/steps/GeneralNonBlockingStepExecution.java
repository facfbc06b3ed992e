// jenkinsci/workflow-step-api-plugin@704.ve4f0967e98fa_ src/main/java/org/jenkinsci/plugins/workflow/steps/GeneralNonBlockingStepExecution.java (TailCall omitted)
package org.jenkinsci.plugins.workflow.steps;
import edu.umd.cs.findbugs.annotations.NonNull;
public abstract class GeneralNonBlockingStepExecution extends StepExecution {
    protected GeneralNonBlockingStepExecution(StepContext context) { super(context); }
    @FunctionalInterface
    protected interface Block {
        void run() throws Exception;
    }
    protected final void run(Block block) { jenkinsstubs.Stub.v(); }
    @Override public void stop(Throwable cause) throws Exception { jenkinsstubs.Stub.v(); }
    @Override public void onResume() { jenkinsstubs.Stub.v(); }
    @Override public @NonNull String getStatus() { return jenkinsstubs.Stub.any(); }
    @Override public boolean blocksRestart() { return jenkinsstubs.Stub.z(); }
    private static final long serialVersionUID = 1L;
}
