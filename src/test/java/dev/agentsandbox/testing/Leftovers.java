package dev.agentsandbox.testing;

import com.github.dockerjava.api.model.Container;
import java.util.List;
import java.util.Map;

/** What the daemon still holds under one of the tool's labels, read straight from Docker. */
public final class Leftovers {
    private Leftovers() {
    }

    public static List<Container> containers(String label, String value) throws Exception {
        var c = DockerClients.open();
        try {
            return c.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(label, value)).exec();
        } finally {
            c.close();
        }
    }

    public static List<String> volumes(String label, String value) throws Exception {
        var c = DockerClients.open();
        try {
            var v = c.listVolumesCmd().withFilter("label", List.of(label + "=" + value)).exec().getVolumes();
            return v == null ? List.of() : v.stream().map(x -> x.getName()).toList();
        } finally {
            c.close();
        }
    }
}
