package dev.agentsandbox.sandbox.kubernetes;

import dev.agentsandbox.host.HostVariables;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the sandbox pods go and how their images are pulled, as the platform team sets it: the
 * gVisor nodes' selector and taints, a priority class, pull secrets. None of it changes what the pod
 * may do (the admission policy in deploy/kubernetes does not look at these fields).
 *
 * @param nodeSelector AGENT_SANDBOX_K8S_NODE_SELECTOR, {@code key=value,key=value}
 * @param tolerations AGENT_SANDBOX_K8S_TOLERATIONS, as kubectl taint writes taints: {@code key[=value]:Effect,...}
 * @param priorityClassName AGENT_SANDBOX_K8S_PRIORITY_CLASS
 * @param imagePullSecrets AGENT_SANDBOX_K8S_IMAGE_PULL_SECRETS, names of Secrets in the sandboxes' namespace
 */
public record Placement(Map<String, String> nodeSelector, List<Toleration> tolerations, String priorityClassName, List<String> imagePullSecrets) {
    public static final Placement NONE = new Placement(Map.of(), List.of(), null, List.of());
    private static final String NAME = "[A-Za-z0-9](?:[-A-Za-z0-9_./]{0,251}[A-Za-z0-9])?";

    public Placement {
        nodeSelector = Map.copyOf(nodeSelector);
        tolerations = List.copyOf(tolerations);
        imagePullSecrets = List.copyOf(imagePullSecrets);
    }

    static Placement fromEnvironment(Map<String, String> env) {
        Map<String, String> selector = new LinkedHashMap<>();
        for (String kv : words(env.get(HostVariables.K8S_NODE_SELECTOR))) {
            String[] p = kv.split("=", 2);
            if (p.length != 2 || !p[0].matches(NAME) || !p[1].matches("(" + NAME + ")?")) {
                throw new IllegalArgumentException("AGENT_SANDBOX_K8S_NODE_SELECTOR: '" + kv + "' is not key=value (as in sandbox.gvisor=true)");
            }
            selector.put(p[0], p[1]);
        }
        List<Toleration> tolerations = new ArrayList<>();
        for (String t : words(env.get(HostVariables.K8S_TOLERATIONS))) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(" + NAME + ")(?:=(" + NAME + "))?:(NoSchedule|PreferNoSchedule|NoExecute)").matcher(t);
            if (!m.matches()) {
                throw new IllegalArgumentException("AGENT_SANDBOX_K8S_TOLERATIONS: '" + t + "' is not a taint as kubectl writes it"
                        + " (key=value:NoSchedule, or key:NoSchedule for any value)");
            }
            tolerations.add(new TolerationBuilder().withKey(m.group(1)).withOperator(m.group(2) == null ? "Exists" : "Equal")
                    .withValue(m.group(2)).withEffect(m.group(3)).build());
        }
        String priority = env.get(HostVariables.K8S_PRIORITY_CLASS);
        if (priority != null && !priority.isBlank() && !priority.strip().matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
            throw new IllegalArgumentException("AGENT_SANDBOX_K8S_PRIORITY_CLASS: '" + priority + "' is not a PriorityClass name");
        }
        List<String> secrets = words(env.get(HostVariables.K8S_IMAGE_PULL_SECRETS));
        for (String s : secrets) {
            if (!s.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
                throw new IllegalArgumentException("AGENT_SANDBOX_K8S_IMAGE_PULL_SECRETS: '" + s + "' is not a Secret name");
            }
        }
        return new Placement(selector, tolerations, priority == null || priority.isBlank() ? null : priority.strip(), secrets);
    }

    private static List<String> words(String list) {
        return list == null || list.isBlank() ? List.of() : java.util.Arrays.stream(list.split(",")).map(String::strip).filter(w -> !w.isEmpty()).toList();
    }
}
