package io.jenkins.plugins.agentsandbox;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Computer;
import hudson.model.JDK;
import hudson.model.Node;
import hudson.model.TaskListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jenkins.model.Jenkins;

/**
 * The java that runs the CLI on the node: the step's JDK tool, else $JAVA_HOME, else java on the
 * PATH; checked to start and to be 17 or later before the CLI is launched, so that a wrong Java
 * is reported as that, never as a failed gate.
 */
final class NodeJava {
    static final int MINIMUM = 17;
    private static final Pattern VERSION = Pattern.compile("version \"(\\d+)(?:\\.(\\d+))?");

    private NodeJava() {
    }

    static String resolve(String jdkName, FilePath workspace, EnvVars env, Launcher launcher, TaskListener listener)
            throws IOException, InterruptedException {
        String home;
        String origin;
        if (jdkName != null) {
            JDK jdk = Jenkins.get().getJDK(jdkName);
            if (jdk == null) {
                throw new AbortException("agentSandbox: there is no JDK tool named '" + jdkName + "' (Manage Jenkins › Tools › JDK installations)");
            }
            Computer computer = workspace.toComputer();
            Node node = computer == null ? null : computer.getNode();
            if (node == null) {
                throw new AbortException("agentSandbox: the node of " + workspace.getRemote() + " is offline; cannot install JDK '" + jdkName + "' there");
            }
            home = jdk.forNode(node, listener).forEnvironment(env).getHome();
            origin = "the JDK tool '" + jdkName + "'";
        } else {
            home = env.get("JAVA_HOME");
            origin = home == null ? "java on the node's PATH" : "$JAVA_HOME";
        }
        String java = home == null || home.isBlank() ? "java" : home + "/bin/java";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            code = launcher.launch().cmds(java, "-version").envs(env).stdout(out).quiet(true).join();
        } catch (IOException e) {
            throw new AbortException("agentSandbox: cannot start " + java + " (" + origin + ") on this node: " + e.getMessage()
                    + ". Give the step jdk: a JDK " + MINIMUM + "+ tool, or set JAVA_HOME on the node");
        }
        String text = out.toString(StandardCharsets.UTF_8);
        int major = major(text);
        if (code != 0 || major < 0) {
            throw new AbortException("agentSandbox: " + java + " (" + origin + ") does not run on this node (exit " + code + "): "
                    + text.strip() + ". Give the step jdk: a JDK " + MINIMUM + "+ tool, or set JAVA_HOME on the node");
        }
        if (major < MINIMUM) {
            throw new AbortException("agentSandbox: " + java + " (" + origin + ") is Java " + major + "; the CLI needs Java " + MINIMUM
                    + " or later. Give the step jdk: a JDK " + MINIMUM + "+ tool, or set JAVA_HOME on the node");
        }
        return java;
    }

    /** The major version in {@code java -version}'s output ("1.8.0" is 8), or -1. */
    static int major(String versionOutput) {
        Matcher m = VERSION.matcher(versionOutput);
        if (!m.find()) {
            return -1;
        }
        int first = Integer.parseInt(m.group(1));
        return first == 1 && m.group(2) != null ? Integer.parseInt(m.group(2)) : first;
    }
}
