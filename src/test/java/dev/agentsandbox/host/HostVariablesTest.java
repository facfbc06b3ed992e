package dev.agentsandbox.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every host variable is named once, listed by --help and documented; a new one read anywhere else fails here. */
class HostVariablesTest {
    static final Pattern LITERAL = Pattern.compile("\"(AGENT_SANDBOX_[A-Z0-9_]+)\"");
    /** Given to sandboxes, not read from the host. */
    static final List<String> SANDBOX_SIDE = List.of("AGENT_SANDBOX_URL", "AGENT_SANDBOX_PROXY_URL", "AGENT_SANDBOX_MODE",
            "AGENT_SANDBOX_SERVICES", "AGENT_SANDBOX_SERVICE_PORTS", "AGENT_SANDBOX_SERVICE_HEALTH", "AGENT_SANDBOX_BEDROCK_URL",
            "AGENT_SANDBOX_VERTEX_URL");

    @Test
    void noVariableIsNamedOutsideTheList() throws Exception {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("HostVariables.java")).toList()) {
                Matcher m = LITERAL.matcher(Files.readString(f));
                while (m.find()) {
                    assertThat(SANDBOX_SIDE).as(f + " names " + m.group(1) + ": add it to HostVariables").contains(m.group(1));
                }
            }
        }
    }

    @Test
    void helpListsEveryVariableAndTheDocsNameEach() throws Exception {
        Cli help = Cli.run("--help");
        StringBuilder docs = new StringBuilder(Files.readString(Path.of("README.md")));
        try (Stream<Path> md = Files.list(Path.of("docs"))) {
            for (Path p : md.filter(p -> p.toString().endsWith(".md")).toList()) {
                docs.append(Files.readString(p));
            }
        }
        assertThat(HostVariables.all()).hasSizeGreaterThanOrEqualTo(28);
        for (String v : HostVariables.all().keySet()) {
            assertThat(help.out).contains(v);
            assertThat(docs.toString()).as(v + " documented").contains(v);
        }
    }
}
