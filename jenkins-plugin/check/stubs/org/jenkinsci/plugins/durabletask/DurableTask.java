// jenkinsci/durable-task-plugin@587.v84b_877235b_45 src/main/java/org/jenkinsci/plugins/durabletask/DurableTask.java (reduced to the members used)
package org.jenkinsci.plugins.durabletask;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.TaskListener;
import java.io.IOException;
import java.nio.charset.Charset;
public abstract class DurableTask extends hudson.model.AbstractDescribableImpl<DurableTask> implements hudson.ExtensionPoint {
    public abstract Controller launch(EnvVars env, FilePath workspace, Launcher launcher, TaskListener listener) throws IOException, InterruptedException;
    public void charset(@NonNull Charset cs) { jenkinsstubs.Stub.v(); }
}
