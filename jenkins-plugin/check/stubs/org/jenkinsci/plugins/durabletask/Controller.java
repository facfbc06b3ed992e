// jenkinsci/durable-task-plugin@587.v84b_877235b_45 src/main/java/org/jenkinsci/plugins/durabletask/Controller.java (reduced to the members used)
package org.jenkinsci.plugins.durabletask;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.TaskListener;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
public abstract class Controller implements Serializable {
    public abstract boolean writeLog(FilePath workspace, OutputStream sink) throws IOException, InterruptedException;
    public @CheckForNull Integer exitStatus(FilePath workspace, Launcher launcher, TaskListener logger) throws IOException, InterruptedException { return jenkinsstubs.Stub.any(); }
    public void stop(FilePath workspace, Launcher launcher) throws IOException, InterruptedException { jenkinsstubs.Stub.v(); }
    public abstract void cleanup(FilePath workspace) throws IOException, InterruptedException;
    private static final long serialVersionUID = 1L;
}
