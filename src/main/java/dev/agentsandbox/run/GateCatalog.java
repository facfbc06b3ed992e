package dev.agentsandbox.run;

import dev.agentsandbox.config.RunConfig;
import dev.agentsandbox.gate.Gate;
import java.util.ArrayList;
import java.util.List;

/** The gates that read the change itself (no sandbox needed), in the order they run. */
final class GateCatalog {
    private GateCatalog() {
    }

    static List<Gate> contentGates(RunConfig config) {
        List<Gate> gates = new ArrayList<>();
        gates.add(new dev.agentsandbox.gate.secrets.SecretsGate(config.secrets()));
        gates.add(new dev.agentsandbox.gate.risk.RiskGate(config.risk()));
        return gates;
    }
}
