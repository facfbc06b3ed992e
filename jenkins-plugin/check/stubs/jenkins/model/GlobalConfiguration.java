// jenkinsci/jenkins@jenkins-2.479.3 core/src/main/java/jenkins/model/GlobalConfiguration.java (reduced to the members used)
package jenkins.model;
import hudson.model.Describable;
import hudson.model.Descriptor;
public abstract class GlobalConfiguration extends Descriptor<GlobalConfiguration> implements hudson.ExtensionPoint, Describable<GlobalConfiguration> {
    protected GlobalConfiguration() {}
    @Override public final Descriptor<GlobalConfiguration> getDescriptor() { return jenkinsstubs.Stub.any(); }
}
