// jenkinsci/jenkins@jenkins-2.479.3 core/src/main/java/hudson/model/BuildListener.java (the methods the plugin reaches)
package hudson.model;
public interface BuildListener extends TaskListener {
}
