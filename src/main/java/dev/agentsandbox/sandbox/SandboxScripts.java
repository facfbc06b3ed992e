package dev.agentsandbox.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The shell scripts that run before a sandbox's command (the model proxy's bridge, a check's
 * services), read from the jar once, with one python relay for images that have no socat.
 */
public final class SandboxScripts {
    private static final String RELAY = read(SandboxScripts.class, "relay.py");

    private SandboxScripts() {
    }

    /** A script beside {@code owner} in the jar, with {@code @RELAY@} and each {@code @KEY@} of {@code values} put in. */
    public static String load(Class<?> owner, String name, Map<String, String> values) {
        String text = read(owner, name).replace("@RELAY@", RELAY);
        for (Map.Entry<String, String> e : values.entrySet()) {
            text = text.replace("@" + e.getKey() + "@", e.getValue());
        }
        return text;
    }

    private static String read(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the jar is missing " + name + ": rebuild it");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (name.endsWith(".py") && text.contains("'")) {
                throw new IllegalStateException(name + " holds a single quote, which the scripts quote it with");
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("the jar is missing " + name + ": rebuild it", e);
        }
    }
}
