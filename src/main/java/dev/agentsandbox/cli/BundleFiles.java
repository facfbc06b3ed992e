package dev.agentsandbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.bundle.Layout;
import dev.agentsandbox.error.UsageException;
import java.io.IOException;
import java.nio.file.Path;

final class BundleFiles {
    private BundleFiles() {
    }

    static JsonNode runJson(Path bundle) throws UsageException {
        try {
            return new ObjectMapper().readTree(bundle.resolve(Layout.RUN_JSON).toFile());
        } catch (IOException e) {
            throw new UsageException(bundle + " is not a run bundle (cannot read " + Layout.RUN_JSON + ": " + e.getMessage() + ")", e);
        }
    }
}
