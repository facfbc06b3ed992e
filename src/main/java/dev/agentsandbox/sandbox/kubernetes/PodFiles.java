package dev.agentsandbox.sandbox.kubernetes;

import java.io.IOException;
import java.nio.file.Path;

/** Folders into and out of a running container of a pod, a marker file set there, and a socket relayed to the host. */
public interface PodFiles {
    /** Streams {@code from}'s tree into {@code dir} in the container. */
    void upload(String pod, String container, Path from, String dir) throws IOException, InterruptedException;

    /** Streams {@code dir} in the container into {@code to} (existing, empty), refusing what is never taken (see {@link TarTransfer}). */
    void download(String pod, String container, String dir, Path to, long maxBytes, int maxEntries) throws IOException, InterruptedException;

    /**
     * The names of the variables a process started in the container sees: the image's own, those
     * the pod's spec gives it, and those the kubelet always adds (the API server's service, even
     * with {@code enableServiceLinks: false}).
     */
    java.util.Set<String> environmentNames(String pod, String container) throws IOException, InterruptedException;

    /** The network interfaces the container sees, loopback included (read from /proc/net/dev). */
    java.util.List<String> interfaces(String pod, String container) throws IOException, InterruptedException;

    /**
     * Tries, from inside the container, to open a TCP connection to the API server's service
     * address (the one address every pod is given): what was reached, or null when nothing was
     * (refused, timed out). Throws when the image cannot make the attempt (no python3).
     */
    String egressReached(String pod, String container) throws IOException, InterruptedException;

    /** Creates an empty file in the container. */
    void touch(String pod, String container, String path) throws IOException, InterruptedException;

    /**
     * Starts {@link SocketRelay#SCRIPT} in the container, listening on {@code socket} there, its
     * frames joined to the host's {@code hostSocket}; closing the relay ends it.
     */
    SocketRelay relay(String pod, String container, String socket, Path hostSocket) throws IOException;
}
