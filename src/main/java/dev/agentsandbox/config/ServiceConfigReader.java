package dev.agentsandbox.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** checks.NAME.services: the services a check needs, each checked with a message naming the key. */
final class ServiceConfigReader {
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    /**
     * The prefix every host variable a service reads must have. What a service is given, its check
     * can read (a database runs programs and shows settings for its clients), and the check runs the
     * agent's code: a job hands a service a value on purpose, under a name of its own, and never an
     * existing credential by accident.
     */
    static final String HOST_PREFIX = "SERVICE_";
    /** Below this, even a shell under gVisor is killed for memory: the check would fail for the configuration's sake. */
    private static final long MIN_MEMORY = 64L << 20;

    private final ConfigValues v;

    ServiceConfigReader(ConfigValues values) {
        this.v = values;
    }

    List<ServiceConfig> read(JsonNode c, String p, String check) {
        JsonNode n = c.get("services");
        if (n == null || n.isNull()) {
            return List.of();
        }
        String key = "checks." + check + ".services";
        if (!n.isArray()) {
            v.error(p + "/services", key, "must be a list of services (each with name, image and ports)");
            return List.of();
        }
        if (n.size() > ServiceConfig.MAX_PER_CHECK) {
            v.error(p + "/services", key, "names " + n.size() + " services: at most " + ServiceConfig.MAX_PER_CHECK + " per check");
            return List.of();
        }
        List<ServiceConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n.size(); i++) {
            String q = p + "/services/" + i;
            String k = key + "[" + i + "]";
            JsonNode s = n.get(i);
            if (!v.object(s, q)) {
                continue;
            }
            String name = v.text(s, q, "name");
            String image = v.text(s, q, "image");
            if (name == null || image == null || image.isBlank()) {
                v.error(q, k, "needs a name (the host name the check reaches it by) and an image");
                continue;
            }
            if (!ServiceConfig.NAME.matcher(name).matches() || name.equals("localhost")) {
                v.error(q + "/name", k + ".name", "'" + name + "' is not a host name of lower-case letters, digits and dashes (nor localhost)");
                continue;
            }
            if (!names.add(name)) {
                v.error(q + "/name", k + ".name", "'" + name + "' names a second service of " + check);
                continue;
            }
            List<Integer> ports = ports(s, q, k);
            Map<String, String> env = variables(s.get("env"), q + "/env", k + ".env", false);
            Map<String, String> hostEnv = variables(s.get("host-env"), q + "/host-env", k + ".host-env", true);
            JsonNode health = s.get("health");
            List<String> healthCommand = null;
            java.time.Duration healthTimeout = null;
            if (health != null && v.object(health, q + "/health")) {
                healthCommand = v.command(health, q + "/health", "command");
                healthTimeout = v.duration(health, q + "/health", "timeout");
            }
            Long memory = v.size(s, q, "memory");
            if (memory != null && memory < MIN_MEMORY) {
                v.error(q + "/memory", k + ".memory", "is below 64m, less than a service needs under gVisor");
                continue;
            }
            Double cpus = s.has("cpus") ? v.number(s, q, "cpus") : null;
            if (cpus != null && (cpus < 0.01 || cpus > 64)) {
                v.error(q + "/cpus", k + ".cpus", "'" + cpus + "' is not from 0.01 to 64 CPUs");
                continue;
            }
            if (ports == null || env == null || hostEnv == null) {
                continue;
            }
            out.add(new ServiceConfig(name, image, v.command(s, q, "command"), env, hostEnv, ports, healthCommand, healthTimeout,
                    cpus, memory));
        }
        return out;
    }

    private List<Integer> ports(JsonNode s, String q, String k) {
        JsonNode ports = s.get("ports");
        if (ports == null || !ports.isArray() || ports.isEmpty()) {
            v.error(q + "/ports", k + ".ports", "needs the TCP ports the service serves, like [5432]");
            return null;
        }
        List<Integer> out = new ArrayList<>();
        for (int j = 0; j < ports.size(); j++) {
            JsonNode x = ports.get(j);
            if (!x.isIntegralNumber() || x.asLong() < 1 || x.asLong() > 65535 || out.contains(x.intValue())) {
                v.error(q + "/ports/" + j, k + ".ports[" + j + "]", "'" + x.asText() + "' is not a TCP port from 1 to 65535 named once");
                return null;
            }
            out.add(x.intValue());
        }
        return out;
    }

    /** A mapping of variable names to text; with {@code host}, the values are host variable names, some of which are refused. */
    private Map<String, String> variables(JsonNode n, String p, String k, boolean host) {
        Map<String, String> m = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return m;
        }
        if (!v.object(n, p)) {
            return null;
        }
        boolean ok = true;
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var f = it.next();
            String value = f.getValue().isValueNode() && !f.getValue().isNull() ? f.getValue().asText() : null;
            if (!VARIABLE.matcher(f.getKey()).matches() || value == null) {
                v.error(p + "/" + f.getKey(), k + "." + f.getKey(), "must be a variable name with a text value");
                ok = false;
            } else if (host && !VARIABLE.matcher(value).matches()) {
                v.error(p + "/" + f.getKey(), k + "." + f.getKey(), "'" + value + "' is not a host variable name");
                ok = false;
            } else if (host && !value.startsWith(HOST_PREFIX)) {
                v.error(p + "/" + f.getKey(), k + "." + f.getKey(), "reads " + value + ": a service reads only host variables named "
                        + HOST_PREFIX + "*, since its check (the agent's code) can read what a service is given; set " + HOST_PREFIX
                        + value + " in the job to the value meant for the service (a throwaway one, never a credential)");
                ok = false;
            } else {
                m.put(f.getKey(), value);
            }
        }
        return ok ? m : null;
    }
}
