// jenkinsci/jenkins@jenkins-2.479.3 core/src/main/java/jenkins/util/BuildListenerAdapter.java
package jenkins.util;
import hudson.model.BuildListener;
import hudson.model.TaskListener;
import java.io.PrintStream;
public final class BuildListenerAdapter implements BuildListener {
    public BuildListenerAdapter(TaskListener delegate) {}
    @Override public PrintStream getLogger() { return jenkinsstubs.Stub.any(); }
    public static BuildListener wrap(TaskListener l) { return jenkinsstubs.Stub.any(); }
}
