// jenkinsci/durable-task-plugin@587.v84b_877235b_45 src/main/java/org/jenkinsci/plugins/durabletask/FileMonitoringTask.java (type only)
package org.jenkinsci.plugins.durabletask;
public abstract class FileMonitoringTask extends DurableTask {
    @Override public Controller launch(hudson.EnvVars env, hudson.FilePath workspace, hudson.Launcher launcher, hudson.model.TaskListener listener) throws java.io.IOException, InterruptedException { return jenkinsstubs.Stub.any(); }
}
