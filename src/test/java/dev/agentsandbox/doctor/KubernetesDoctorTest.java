package dev.agentsandbox.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentsandbox.sandbox.Tier;
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
}
