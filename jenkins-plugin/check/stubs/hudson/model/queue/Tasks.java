// jenkinsci/jenkins@jenkins-2.479.3 core/src/main/java/hudson/model/queue/Tasks.java (the member the plugin uses)
package hudson.model.queue;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.model.Queue.Task;
import org.springframework.security.core.Authentication;
public class Tasks {
    public static @NonNull Authentication getAuthenticationOf2(@NonNull Task t) { return jenkinsstubs.Stub.any(); }
}
