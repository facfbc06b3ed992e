// jenkinsci/jenkins@jenkins-2.479.3 core/src/main/java/jenkins/model/ArtifactManager.java
package jenkins.model;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.BuildListener;
import hudson.model.Run;
import java.io.IOException;
import java.util.Map;
import jenkins.util.VirtualFile;
public abstract class ArtifactManager {
    public abstract void onLoad(@NonNull Run<?, ?> build);
    public abstract void archive(FilePath workspace, Launcher launcher, BuildListener listener, Map<String, String> artifacts) throws IOException, InterruptedException;
    public abstract boolean delete() throws IOException, InterruptedException;
    public abstract VirtualFile root();
}
