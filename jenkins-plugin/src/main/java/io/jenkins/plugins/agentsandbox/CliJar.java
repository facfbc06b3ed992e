package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.FilePath;
import hudson.remoting.VirtualChannel;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import jenkins.MasterToSlaveFileCallable;

/**
 * The CLI the plugin carries as a resource (never on the plugin's class path), put on a node once
 * per version under its SHA-256 and checked against it every time it is used: parallel branches
 * and builds share the cached copy, and a copy that was altered is replaced, never run.
 */
final class CliJar {
    static final String RESOURCE = "agent-sandbox-cli.jar";
    private static volatile String digest;

    private CliJar() {
    }

    static URL resource() throws AbortException {
        URL url = CliJar.class.getResource(RESOURCE);
        if (url == null) {
            throw new AbortException("agentSandbox: this build of the plugin carries no CLI (" + RESOURCE + " is missing); reinstall the plugin");
        }
        return url;
    }

    /** The SHA-256 of the carried CLI, computed once per controller start. */
    static String digest() throws IOException {
        String d = digest;
        if (d == null) {
            try (InputStream in = resource().openStream()) {
                d = sha256(in);
            }
            digest = d;
        }
        return d;
    }

    /**
     * The CLI on the node: {@code cacheDir/<sha256>.jar}, copied there when absent or not what it
     * should be. {@code writer} makes the temporary name unique to this step.
     */
    static FilePath onNode(FilePath cacheDir, String writer) throws IOException, InterruptedException {
        String sha = digest();
        FilePath jar = cacheDir.child(sha + ".jar");
        if (jar.exists() && sha.equals(jar.act(new Sha256()))) {
            jar.touch(System.currentTimeMillis()); // its last use, which pruning reads
            return jar;
        }
        cacheDir.mkdirs();
        FilePath part = cacheDir.child(sha + ".jar." + writer + ".part");
        try {
            part.copyFrom(resource());
            String got = part.act(new Sha256());
            if (!sha.equals(got)) {
                throw new AbortException("agentSandbox: the CLI copied to " + part.getRemote() + " has SHA-256 " + got + ", not " + sha
                        + ": the copy was altered or truncated on the way (disk full?)");
            }
            part.act(new MoveOver(jar.getRemote()));
        } finally {
            if (part.exists()) {
                part.delete();
            }
        }
        // a new version arrived: the CLIs of older plugin versions go once nothing used them for a week
        cacheDir.act(new Prune(sha, System.currentTimeMillis() - PRUNE_AFTER_MS));
        return jar;
    }

    /** How long a CLI of another plugin version stays unused before it is deleted from a node. */
    static final long PRUNE_AFTER_MS = 7L * 24 * 60 * 60 * 1000;

    /**
     * Deletes the cached CLIs other than {@code keep} last used before {@code before}, and copies
     * left half-done by a lost agent. Only names this class writes are touched.
     */
    static final class Prune extends MasterToSlaveFileCallable<java.util.List<String>> {
        private static final long serialVersionUID = 1L;
        private final String keep;
        private final long before;

        Prune(String keep, long before) {
            this.keep = keep;
            this.before = before;
        }

        @Override
        public java.util.List<String> invoke(File dir, VirtualChannel channel) throws IOException {
            java.util.List<String> deleted = new java.util.ArrayList<>();
            File[] files = dir.listFiles();
            if (files == null) {
                return deleted;
            }
            for (File f : files) {
                String n = f.getName();
                boolean cli = n.matches("[0-9a-f]{64}\\.jar") && !n.equals(keep + ".jar");
                boolean part = n.matches("[0-9a-f]{64}\\.jar\\..+\\.part");
                if ((cli || part) && f.isFile() && !Files.isSymbolicLink(f.toPath()) && f.lastModified() < before) {
                    Files.deleteIfExists(f.toPath());
                    deleted.add(n);
                }
            }
            return deleted;
        }
    }

    static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (DigestInputStream d = new DigestInputStream(in, md)) {
                d.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces the target atomically (FilePath.renameTo refuses an existing one, and an altered copy must go). */
    static final class MoveOver extends MasterToSlaveFileCallable<Void> {
        private static final long serialVersionUID = 1L;
        private final String target;

        MoveOver(String target) {
            this.target = target;
        }

        @Override
        public Void invoke(File f, VirtualChannel channel) throws IOException {
            Files.move(f.toPath(), new File(target).toPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return null;
        }
    }

    /** The SHA-256 of a file, computed where the file is. */
    static final class Sha256 extends MasterToSlaveFileCallable<String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String invoke(File f, VirtualChannel channel) throws IOException {
            try (InputStream in = Files.newInputStream(f.toPath())) {
                return sha256(in);
            }
        }
    }
}
