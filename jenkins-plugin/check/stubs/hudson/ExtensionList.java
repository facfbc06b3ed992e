// jenkinsci/jenkins@jenkins-2.479.3 core/src/main/java/hudson/ExtensionList.java (reduced to the members used)
package hudson;
import edu.umd.cs.findbugs.annotations.NonNull;
public class ExtensionList<T> {
    public static @NonNull <U> U lookupSingleton(Class<U> type) { return jenkinsstubs.Stub.any(); }
}
