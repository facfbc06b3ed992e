package dev.agentsandbox.sandbox.kubernetes;

import dev.agentsandbox.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The variables a sandbox's pod may show its command besides those the run gives, for the boundary
 * probe to tell from injected ones. A real kubelet always adds the API server's service variables,
 * and the image brings its own (LANG, PYTHON_VERSION): both are read in the loader, which runs the
 * same image before the command. What admission added to the stored pod (an IRSA or Vault webhook's
 * variables, an {@code envFrom}) is never declared, so the probe fails the run on it.
 *
 * @param declared the names the sandbox's container may show ({@code envNames} in the run record)
 * @param addedByAdmission what the stored pod has that the run did not ask for
 */
record PodEnvironment(Set<String> declared, List<String> addedByAdmission) {
    static PodEnvironment read(Pod stored, SandboxSpec spec, Set<String> loaderNames) {
        List<String> added = new ArrayList<>();
        Set<String> loaderOwn = new TreeSet<>();
        for (Container c : containers(stored)) {
            boolean loader = c.getName().equals(PodSpecs.LOADER);
            for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                if (loader) {
                    loaderOwn.add(e.getName());
                } else if (c.getName().equals(PodSpecs.SANDBOX) && !spec.env().containsKey(e.getName())) {
                    added.add(e.getName());
                }
            }
            if (c.getEnvFrom() != null && !c.getEnvFrom().isEmpty()) {
                added.add("envFrom of " + c.getName());
            }
        }
        Set<String> declared = new TreeSet<>(spec.env().keySet());
        if (added.stream().noneMatch(a -> a.startsWith("envFrom"))) {
            // the loader's view is the image's and the kubelet's, less what the pod gave the loader itself
            loaderNames.stream().filter(n -> !loaderOwn.contains(n)).forEach(declared::add);
        }
        declared.removeAll(added);
        return new PodEnvironment(declared, List.copyOf(added));
    }

    private static List<Container> containers(Pod p) {
        List<Container> all = new ArrayList<>(p.getSpec().getContainers());
        if (p.getSpec().getInitContainers() != null) {
            all.addAll(p.getSpec().getInitContainers());
        }
        return all;
    }

    Map<String, Object> facts() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("envNames", List.copyOf(declared));
        if (!addedByAdmission.isEmpty()) {
            m.put("envAddedByAdmission", addedByAdmission);
        }
        return m;
    }
}
