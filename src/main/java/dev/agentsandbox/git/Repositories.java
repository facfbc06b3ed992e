package dev.agentsandbox.git;

import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.util.FS;

/** Opens the user's repository (a checkout or a bare repository) exactly where they said. */
public final class Repositories {
    private Repositories() {
    }

    public static Repository open(Path dir) throws UsageException {
        if (!Files.isDirectory(dir)) {
            throw new UsageException("--repo " + dir + " is not a folder");
        }
        java.io.File gitDir = RepositoryCache.FileKey.resolve(dir.toFile(), FS.DETECTED);
        if (gitDir == null) {
            throw new UsageException(dir + " is not a git repository (no .git found there): give --repo the root of a checkout");
        }
        try {
            return new FileRepositoryBuilder().setGitDir(gitDir).setMustExist(true).build();
        } catch (IOException e) {
            throw new UsageException("cannot open the git repository at " + dir + ": " + e.getMessage(), e);
        }
    }
}
