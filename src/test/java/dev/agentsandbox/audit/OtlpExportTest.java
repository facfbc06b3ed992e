package dev.agentsandbox.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpExportTest {
    @Test
    void headersAreReadAsOtelWritesThem() {
        assertThat(OtlpExport.headers("Authorization=Bearer%20abc, x-tenant = acme,broken")).isEqualTo(Map.of("Authorization", "Bearer abc", "x-tenant", "acme"));
        assertThat(OtlpExport.headers(null)).isEmpty();
    }
}
