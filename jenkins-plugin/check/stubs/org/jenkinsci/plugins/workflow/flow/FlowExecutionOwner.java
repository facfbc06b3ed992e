// jenkinsci/workflow-api-plugin@1373.v7b_813f10efa_b_ src/main/java/org/jenkinsci/plugins/workflow/flow/FlowExecutionOwner.java (reduced to the members used)
package org.jenkinsci.plugins.workflow.flow;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.model.Queue;
import java.io.IOException;
import java.io.Serializable;
public abstract class FlowExecutionOwner implements Serializable {
    public abstract @edu.umd.cs.findbugs.annotations.NonNull FlowExecution get() throws IOException;
    public @CheckForNull FlowExecution getOrNull() { return jenkinsstubs.Stub.any(); }
    @Override public abstract boolean equals(Object o);
    @Override public abstract int hashCode();
    public interface Executable extends Queue.Executable {
        @CheckForNull FlowExecutionOwner asFlowExecutionOwner();
    }
    private static final long serialVersionUID = 1L;
}
