package io.jenkins.plugins.agentsandbox;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import java.util.List;
import org.junit.Test;

/**
 * The organisation policy a run gets from Manage Jenkins > Agent sandbox: every value stays a value.
 * Needs no Jenkins: check/unit.sh runs it in every CI run; the CLI's own tests read such a file.
 */
public class OrgPolicyTextTest {
    @Test
    public void nothingConfiguredIsNoPolicy() {
        assertThat(OrgPolicyText.of(List.of(), List.of(), List.of(), List.of(), null), nullValue());
    }

    @Test
    public void theListsBecomeAnAllowSectionOfJsonStrings() {
        String text = OrgPolicyText.of(List.of("agent-sandbox/*"), List.of("gvisor"), List.of(), List.of("anthropic", "openai"), null);
        assertThat(text, equalTo("allow:\n  images: [\"agent-sandbox/*\"]\n  tiers: [\"gvisor\"]\n  providers: [\"anthropic\", \"openai\"]\n"));
    }

    @Test
    public void aValueCannotAddAKeyOrALine() {
        String text = OrgPolicyText.of(List.of("x\"]\n  tiers: [\"container"), List.of(), List.of(), List.of(), null);
        assertThat(text, not(containsString("\n  tiers")));
        assertThat(text, containsString("\\u000a"));
        assertThat(text, containsString("\\\""));
    }

    @Test
    public void anAllowSectionInTheDataClassesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> OrgPolicyText.of(List.of("a/*"), List.of(), List.of(), List.of(), "classes: {}\nallow:\n  images: []"));
    }

    @Test
    public void listsAreSplitOnCommasAndSpacesAndLines() {
        assertThat(AgentSandboxConfiguration.words(" gVisor, microvm  kubernetes"), equalTo(List.of("gvisor", "microvm", "kubernetes")));
        assertThat(AgentSandboxConfiguration.lines("agent-sandbox/*\n\n  registry.example.com/a@sha256:* \n"),
                equalTo(List.of("agent-sandbox/*", "registry.example.com/a@sha256:*")));
    }
}
