package io.jenkins.plugins.agentsandbox;

import hudson.FilePath;
import hudson.model.Run;
import hudson.util.DirScanner;
import java.io.File;
import java.io.IOException;

/**
 * The run bundle kept with the build (its folder on the controller), so that approve and merge
 * find it on any node, after the workspace is gone, and it is served with the build; and each
 * version of it archived through the build's artifact manager, so that external artifact storage
 * holds it too. The CLI verifies the bundle's signature against the pinned key every time it reads
 * one, so a copy altered on the way is refused.
 */
final class BundleArchive {
    private BundleArchive() {
    }

    static FilePath dir(Run<?, ?> run, String key) {
        return new FilePath(new File(run.getRootDir(), "agent-sandbox/" + key));
    }

    /**
     * Replaces the build's copy with the bundle on the node: copied beside it first, then swapped in,
     * so that an agent lost mid-copy leaves the build's previous copy whole.
     */
    static void save(FilePath bundle, Run<?, ?> run, String key, hudson.Launcher launcher, hudson.model.TaskListener listener)
            throws IOException, InterruptedException {
        save(bundle, run, key);
        try {
            archive(bundle, run, key, launcher, listener);
        } catch (IOException e) {
            // the build's own copy is whole: what the CLI did (a decision, a merge) is recorded on the build all the same
            listener.error("agent-sandbox: the bundle is kept with the build but could not be archived through its artifact manager: " + e);
        }
    }

    /** Through the build's artifact manager, as archiveArtifacts does: agent-sandbox/KEY/… among the build's artifacts. */
    static void archive(FilePath bundle, Run<?, ?> run, String key, hudson.Launcher launcher, hudson.model.TaskListener listener)
            throws IOException, InterruptedException {
        FilePath parent = bundle.getParent();
        if (parent == null) {
            return;
        }
        java.util.Map<String, String> files = new java.util.TreeMap<>();
        String root = bundle.getRemote();
        for (FilePath f : bundle.list("**/*", null, false)) { // every file, as copy() keeps them (no default excludes)
            String rel = f.getRemote().substring(root.length() + 1).replace('\\', '/');
            files.put("agent-sandbox/" + key + "/" + rel, bundle.getName() + "/" + rel);
        }
        if (!files.isEmpty()) {
            run.pickArtifactManager().archive(parent, launcher, jenkins.util.BuildListenerAdapter.wrap(listener), files);
        }
    }

    static void save(FilePath bundle, Run<?, ?> run, String key) throws IOException, InterruptedException {
        FilePath kept = dir(run, key);
        FilePath incoming = new FilePath(new File(run.getRootDir(), "agent-sandbox/" + key + ".incoming"));
        FilePath old = new FilePath(new File(run.getRootDir(), "agent-sandbox/" + key + ".old"));
        copy(bundle, incoming);
        if (old.exists()) {
            old.deleteRecursive();
        }
        if (kept.exists()) {
            kept.renameTo(old);
        }
        incoming.renameTo(kept);
        if (old.exists()) {
            old.deleteRecursive();
        }
    }

    /** Puts the build's copy on the node, in a folder of its own. */
    static void restore(Run<?, ?> run, String key, FilePath to) throws IOException, InterruptedException {
        copy(dir(run, key), to);
    }

    private static void copy(FilePath from, FilePath to) throws IOException, InterruptedException {
        if (to.exists()) {
            to.deleteRecursive();
        }
        to.mkdirs();
        from.copyRecursiveTo(new DirScanner.Glob("**/*", null, false), to, "agent-sandbox bundle");
    }
}
