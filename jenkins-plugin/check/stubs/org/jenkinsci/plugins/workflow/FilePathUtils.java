// jenkinsci/workflow-api-plugin@1373.v7b_813f10efa_b_ src/main/java/org/jenkinsci/plugins/workflow/FilePathUtils.java (reduced to the members used)
package org.jenkinsci.plugins.workflow;
import edu.umd.cs.findbugs.annotations.CheckForNull;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.FilePath;
public class FilePathUtils {
    public static @NonNull String getNodeName(@NonNull FilePath f) throws IllegalStateException { return jenkinsstubs.Stub.any(); }
    public static @CheckForNull FilePath find(@NonNull String node, @NonNull String path) { return jenkinsstubs.Stub.any(); }
}
