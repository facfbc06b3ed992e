// jenkinsci/jenkins-test-harness@2411.v1e79b_0dc94b_7 src/main/java/org/jvnet/hudson/test/JenkinsSessionRule.java (reduced to the members used)
package org.jvnet.hudson.test;
import org.junit.rules.TestRule;
import org.junit.runner.Description;
import org.junit.runners.model.Statement;
public class JenkinsSessionRule implements TestRule {
    public java.io.File getHome() { return jenkinsstubs.Stub.any(); }
    @Override public Statement apply(final Statement base, Description description) { return jenkinsstubs.Stub.any(); }
    @FunctionalInterface
    public interface Step {
        void run(JenkinsRule r) throws Throwable;
    }
    public void then(Step s) throws Throwable { jenkinsstubs.Stub.v(); }
}
