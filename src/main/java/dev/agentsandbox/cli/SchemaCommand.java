package dev.agentsandbox.cli;

import dev.agentsandbox.error.InfrastructureException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

@Command(name = "schema", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Print the JSON Schema of .agent-sandbox.yml (for editors and CI linting).")
final class SchemaCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InfrastructureException {
        try (InputStream in = SchemaCommand.class.getResourceAsStream("/agent-sandbox.schema.json")) {
            if (in == null) {
                throw new InfrastructureException("the schema is missing from the jar: rebuild it");
            }
            spec.commandLine().getOut().println(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return ExitCodes.OK;
        } catch (IOException e) {
            throw new InfrastructureException("cannot read the schema: " + e.getMessage(), e);
        }
    }
}
