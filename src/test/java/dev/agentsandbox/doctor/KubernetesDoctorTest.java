package dev.agentsandbox.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.config.Tier;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** doctor --backend kubernetes against fabric8's mock API server (CRUD mode, access reviews answered as a cluster would). */
@EnableKubernetesMockClient(crud = true)
class KubernetesDoctorTest {
    static KubernetesMockServer server;
    static KubernetesClient client;

    private static void accessReviews(boolean allowed) {
        server.reset();
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
                .andReturn(201, new SelfSubjectAccessReviewBuilder().withNewStatus().withAllowed(allowed).endStatus().build()).always();
    }

    @Test
    void aClusterWithoutTheRuntimeClassOrThePermissionsFailsSayingWhatToDo() {
        accessReviews(false);
        List<Check> checks = new KubernetesDoctor(client, "ci", "gvisor-missing", Tier.GVISOR).run();
        assertThat(checks).filteredOn(c -> c.name().equals("runtime class")).singleElement()
                .satisfies(c -> {
                    assertThat(c.status()).isEqualTo(Check.Status.FAIL);
                    assertThat(c.fix()).contains("RuntimeClass");
                });
        assertThat(checks).filteredOn(c -> c.name().equals("permissions")).singleElement()
                .satisfies(c -> {
                    assertThat(c.status()).isEqualTo(Check.Status.FAIL);
                    assertThat(c.detail()).contains("create pods", "create pods/exec", "create networkpolicies");
                });
        assertThat(Doctor.passed(checks)).isFalse();
    }

    @Test
    void aReadyClusterPasses() {
        accessReviews(true);
        client.resources(RuntimeClass.class).resource(new RuntimeClassBuilder().withNewMetadata().withName("gvisor").endMetadata()
                .withHandler("runsc").build()).createOr(r -> r.update());
        List<Check> checks = new KubernetesDoctor(client, "ci", "gvisor", Tier.GVISOR).run();
        assertThat(checks).extracting(Check::name).contains("kubernetes api", "runtime class", "network policy", "permissions");
        assertThat(checks).as(checks.toString()).allSatisfy(c -> assertThat(c.status()).isEqualTo(Check.Status.OK));
    }

    private static io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext crd(String kind, String plural) {
        var c = new io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext.Builder().withGroup("extensions.agents.x-k8s.io")
                .withVersion("v1beta1").withKind(kind).withPlural(plural).withScope("Namespaced").build();
        server.expectCustomResource(c);
        return c;
    }

    private static void put(io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext c, String name, java.util.Map<String, Object> body) {
        var r = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder().withApiVersion("extensions.agents.x-k8s.io/v1beta1")
                .withKind(c.getKind()).withNewMetadata().withName(name).withNamespace("ci").endMetadata().build();
        body.forEach(r::setAdditionalProperty);
        client.genericKubernetesResources(c).inNamespace("ci").resource(r).createOr(x -> x.update());
    }

    @Test
    void aWarmPoolMustBeThereAndItsTemplateMustNotOpenThePods() {
        accessReviews(true);
        var pools = crd("SandboxWarmPool", "sandboxwarmpools");
        var templates = crd("SandboxTemplate", "sandboxtemplates");
        KubernetesDoctor doctor = new KubernetesDoctor(client, "ci", "gvisor", Tier.GVISOR);
        assertThat(doctor.warmPool("agents")).filteredOn(c -> c.name().equals("warm pool")).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(Check.Status.FAIL);
            assertThat(c.fix()).contains("agent-sandbox kubernetes-template --image IMAGE --name agents");
        });

        put(pools, "agents", java.util.Map.of("spec", java.util.Map.of("replicas", 2, "sandboxTemplateRef", java.util.Map.of("name", "t")),
                "status", java.util.Map.of("replicas", 2)));
        put(templates, "t", java.util.Map.of("spec", java.util.Map.of("podTemplate", java.util.Map.of())));
        assertThat(doctor.warmPool("agents")).filteredOn(c -> c.name().equals("warm pool")).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(Check.Status.FAIL);
            assertThat(c.detail()).contains("public internet");
        });

        put(templates, "t", java.util.Map.of("spec", java.util.Map.of("podTemplate", java.util.Map.of(), "networkPolicy",
                java.util.Map.of("egress", List.of(java.util.Map.of())))));
        assertThat(doctor.warmPool("agents")).filteredOn(c -> c.name().equals("warm pool")).singleElement()
                .satisfies(c -> assertThat(c.detail()).contains("allows traffic"));

        put(templates, "t", java.util.Map.of("spec", java.util.Map.of("podTemplate", java.util.Map.of(), "networkPolicy", java.util.Map.of())));
        List<Check> checks = doctor.warmPool("agents");
        assertThat(checks).as(checks.toString()).allSatisfy(c -> assertThat(c.status()).isEqualTo(Check.Status.OK));
        assertThat(checks.get(0).detail()).contains("2 pod(s) waiting");
    }
}
