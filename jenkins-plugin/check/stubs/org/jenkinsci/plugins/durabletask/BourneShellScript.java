// jenkinsci/durable-task-plugin@587.v84b_877235b_45 src/main/java/org/jenkinsci/plugins/durabletask/BourneShellScript.java (reduced to the members used)
package org.jenkinsci.plugins.durabletask;
public final class BourneShellScript extends FileMonitoringTask {
    @org.kohsuke.stapler.DataBoundConstructor public BourneShellScript(String script) {}
    public String getScript() { return jenkinsstubs.Stub.any(); }
}
