package dev.agentsandbox.sandbox.kubernetes;

import java.io.IOException;
import java.nio.file.Path;

/** Folders into and out of a running container of a pod, and a marker file set there. */
public interface PodFiles {
    /** Streams {@code from}'s tree into {@code dir} in the container. */
    void upload(String pod, String container, Path from, String dir) throws IOException, InterruptedException;

    /** Streams {@code dir} in the container into {@code to} (existing, empty), refusing what is never taken (see {@link TarTransfer}). */
    void download(String pod, String container, String dir, Path to, long maxBytes, int maxEntries) throws IOException, InterruptedException;

    /** Creates an empty file in the container. */
    void touch(String pod, String container, String path) throws IOException, InterruptedException;
}
