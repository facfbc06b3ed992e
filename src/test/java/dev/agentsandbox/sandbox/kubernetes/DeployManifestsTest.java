package dev.agentsandbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.agentsandbox.sandbox.Limits;
import dev.agentsandbox.sandbox.Mount;
import dev.agentsandbox.sandbox.SandboxSpec;
import dev.agentsandbox.config.Tier;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes as a platform team applies it. Its ValidatingAdmissionPolicy is evaluated with
 * CEL, as the API server evaluates it, against the pods this backend makes (plain and warm): they are
 * admitted, and each way of turning "create pods" into access to the namespace's secrets is denied.
 * Its Role is the one docs/kubernetes/rbac.yaml and doctor know.
 */
class DeployManifestsTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path DEPLOY = Path.of("deploy/kubernetes");

    static List<JsonNode> documents(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (var p = new YAMLFactory().createParser(file.toFile())) {
            var it = YAML.readValues(p, JsonNode.class);
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    static JsonNode kind(Path file, String kind) throws Exception {
        return documents(file).stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst().orElseThrow();
    }

    /** The policy's validations that fail for this pod (their messages). */
    static List<String> denied(JsonNode pod) throws Exception {
        JsonNode policy = kind(DEPLOY.resolve("admission-policy.yaml"), "ValidatingAdmissionPolicy");
        CelCompiler compiler = CelCompilerFactory.standardCelCompilerBuilder().setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("object", SimpleType.DYN).addVar("variables", SimpleType.DYN).build();
        CelRuntime runtime = CelRuntimeFactory.standardCelRuntimeBuilder().build();
        Object object = cel(pod);
        Map<String, Object> variables = new LinkedHashMap<>();
        for (JsonNode v : policy.path("spec").path("variables")) {
            var ast = compiler.compile(v.path("expression").asText()).getAst();
            variables.put(v.path("name").asText(), runtime.createProgram(ast).eval(Map.of("object", object, "variables", Map.of())));
        }
        List<String> failed = new ArrayList<>();
        for (JsonNode v : policy.path("spec").path("validations")) {
            var ast = compiler.compile(v.path("expression").asText()).getAst();
            Object r = runtime.createProgram(ast).eval(Map.of("object", object, "variables", variables));
            if (!Boolean.TRUE.equals(r)) {
                failed.add(v.path("message").asText());
            }
        }
        return failed;
    }

    /** JSON as CEL takes it: maps, lists, longs. */
    static Object cel(JsonNode n) {
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            n.fields().forEachRemaining(e -> m.put(e.getKey(), cel(e.getValue())));
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(cel(x)));
            return l;
        }
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        return n.isBoolean() ? n.asBoolean() : n.isNumber() ? n.asDouble() : n.asText();
    }

    @TempDir
    Path tmp;

    JsonNode ourPod() throws Exception {
        Path ws = Files.createDirectories(tmp.resolve("ws"));
        SandboxSpec spec = new SandboxSpec("run-1", "agent", "agent:1", List.of("sh", "-c", "x"), "/workspace", Map.of("AGENT_TASK", "x"),
                List.of(new Mount(ws, "/workspace", false)), Tier.GVISOR, "runsc",
                new Limits(1.5, 512L << 20, 256, 32L << 20, Duration.ofMinutes(1), 1 << 20), null);
        KubernetesSettings settings = new KubernetesSettings("agent-sandbox", "gvisor", "kata", 64L << 20, "IfNotPresent", Duration.ofSeconds(30), null, null);
        return JSON.valueToTree(PodSpecs.pod("agent-sandbox-x", spec, settings, null, java.util.Set.of()));
    }

    JsonNode weakened(Consumer<ObjectNode> change) throws Exception {
        ObjectNode p = (ObjectNode) ourPod();
        change.accept(p);
        return p;
    }

    @Test
    void thePolicyAdmitsTheBackendsPodsAndDeniesEveryWayToTheNamespacesSecrets() throws Exception {
        assertThat(denied(ourPod())).isEmpty();
        KubernetesSettings settings = new KubernetesSettings("agent-sandbox", "gvisor", "kata", 64L << 20, "IfNotPresent", Duration.ofSeconds(30), null, null);
        assertThat(denied(JSON.valueToTree(PodSpecs.warm("agent:1", Tier.GVISOR, new Limits(1.5, 512L << 20, 256, 32L << 20, Duration.ofMinutes(1), 1 << 20),
                settings)))).as("a warm pool's pod").isEmpty();

        assertThat(denied(weakened(p -> ((com.fasterxml.jackson.databind.node.ArrayNode) p.path("spec").path("volumes")).addObject()
                .put("name", "creds").putObject("secret").put("secretName", "deploy-key"))))
                .containsExactly("sandbox pods have emptyDir volumes only (no Secret, ConfigMap, projected token, hostPath or claim)");
        assertThat(denied(weakened(p -> ((ObjectNode) p.path("spec").path("containers").get(0)).putArray("envFrom").addObject()
                .putObject("secretRef").put("name", "ci-secrets"))))
                .containsExactly("sandbox containers take no variables from Secrets or ConfigMaps and open no host port");
        assertThat(denied(weakened(p -> ((ObjectNode) p.path("spec").path("containers").get(0)).withArray("env").addObject().put("name", "TOKEN")
                .putObject("valueFrom").putObject("secretKeyRef").put("name", "s").put("key", "k")))).hasSize(1);
        assertThat(denied(weakened(p -> ((ObjectNode) p.path("spec")).put("automountServiceAccountToken", true)))).hasSize(1);
        assertThat(denied(weakened(p -> ((ObjectNode) p.path("spec")).remove("runtimeClassName")))).hasSize(1);
        assertThat(denied(weakened(p -> ((ObjectNode) p.path("spec")).put("hostNetwork", true)))).hasSize(1);
        assertThat(denied(weakened(p -> ((ObjectNode) p.path("spec").path("containers").get(0).path("securityContext")).put("privileged", true))))
                .hasSize(1);
        assertThat(denied(weakened(p -> ((ObjectNode) p.path("spec").path("initContainers").get(0).path("securityContext"))
                .put("readOnlyRootFilesystem", false)))).as("init containers too").hasSize(1);
    }

    @Test
    void theRoleIsTheOneTheCodeAndDoctorKnowAndItsBindingsNameTheCisServiceAccount() throws Exception {
        JsonNode deployRole = kind(DEPLOY.resolve("rbac.yaml"), "Role");
        JsonNode docsRole = kind(Path.of("docs/kubernetes/rbac.yaml"), "Role");
        assertThat(deployRole.path("rules")).isEqualTo(docsRole.path("rules"));
        assertThat(kind(DEPLOY.resolve("rbac.yaml"), "RoleBinding").path("subjects").get(0).path("namespace").asText()).isNotEmpty();
        assertThat(kind(DEPLOY.resolve("rbac.yaml"), "ClusterRoleBinding").path("roleRef").path("name").asText()).isEqualTo("agent-sandbox-runtimeclasses");
        assertThat(kind(DEPLOY.resolve("namespace.yaml"), "Namespace").path("metadata").path("labels")
                .path("pod-security.kubernetes.io/enforce").asText()).isEqualTo("restricted");
        JsonNode kustomization = YAML.readTree(DEPLOY.resolve("kustomization.yaml").toFile());
        for (JsonNode r : kustomization.path("resources")) {
            assertThat(DEPLOY.resolve(r.asText())).exists();
        }
        assertThat(documents(DEPLOY.resolve("openshift-scc.yaml")).get(0).path("runAsUser").path("uid").asLong()).isEqualTo(65534);
    }
}
